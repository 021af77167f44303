// The articles picker shows only the chosen instrument's articles (the server checks it too).
(function () {
  "use strict";
  function init() {
    var instrument = document.getElementById("id_instrument");
    var articles = document.getElementById("id_articles");
    if (!instrument || !articles) return;
    function filter() {
      var chosen = instrument.options[instrument.selectedIndex];
      var name = chosen && chosen.value ? chosen.text.trim() : "";
      Array.prototype.forEach.call(articles.querySelectorAll("optgroup"), function (group) {
        var show = !name || group.label.trim() === name;
        group.hidden = !show;
        group.disabled = !show;
        if (!show) {
          Array.prototype.forEach.call(group.querySelectorAll("option"), function (option) {
            option.selected = false;
          });
        }
      });
    }
    instrument.addEventListener("change", filter);
    filter();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
