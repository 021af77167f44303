// The articles picker (needs/article_picker.py): shows only the chosen instrument's articles
// (the server checks it too), finds an article by its number or words of its title, and says
// how many articles and paragraphs are chosen. Without this script every group is listed.
(function () {
  "use strict";
  // The query folded as the titles are (data-find): infobase/js/fold.js, loaded before.
  var words = window.infobaseFold.words;

  // "12" finds articles 12, 120…; "5.2" or "5(2)" article 5 (its paragraphs opened).
  function matches(item, terms) {
    var number = item.getAttribute("data-number");
    var key = item.getAttribute("data-find");
    return terms.every(function (term) {
      if (/^\d+$/.test(term)) { return number.indexOf(term) === 0; }
      var paragraph = /^(\d+)[.(](\d+)\)?$/.exec(term);
      if (paragraph) { return number === paragraph[1]; }
      return key.indexOf(term) !== -1;
    });
  }

  function init() {
    var picker = document.querySelector(".article-picker");
    if (!picker) { return; }
    var instrument = document.getElementById("id_instrument");
    var groups = Array.prototype.slice.call(picker.querySelectorAll(".picker-group"));
    var tools = picker.querySelector(".picker-tools");
    var find = tools.querySelector("input[type=search]");
    var count = tools.querySelector(".picker-count");
    var none = tools.querySelector(".picker-none");
    var texts = {};
    try { texts = JSON.parse(picker.getAttribute("data-count") || "{}"); } catch (e) { texts = {}; }
    var rules = window.Intl && Intl.PluralRules
      ? new Intl.PluralRules(document.documentElement.lang || "en") : null;

    function shownGroups() { return groups.filter(function (g) { return !g.disabled; }); }

    function counted() {
      var n = 0;
      shownGroups().forEach(function (group) {
        n += group.querySelectorAll("input[type=checkbox]:checked").length;
      });
      var category = rules ? rules.select(n) : (n === 1 ? "one" : "other");
      count.textContent = (texts[category] || texts.other || "{n}").replace("{n}", String(n));
    }

    function filter() {
      var terms = words(find.value);
      var paragraph = terms.length === 1 && /^(\d+)[.(](\d+)\)?$/.test(terms[0]);
      var found = 0;
      shownGroups().forEach(function (group) {
        Array.prototype.forEach.call(group.querySelectorAll(".picker-articles > li"), function (item) {
          var show = !terms.length || matches(item, terms);
          item.hidden = !show;
          if (show) {
            found += 1;
            var details = item.querySelector("details");
            if (paragraph && details) { details.open = true; }
          }
        });
      });
      none.hidden = !terms.length || found > 0;
    }

    function showInstrument() {
      var chosen = instrument ? instrument.value : "";
      groups.forEach(function (group) {
        // Disabled, a hidden group's ticks are kept (should the instrument change back) but
        // not sent.
        var show = !chosen || group.getAttribute("data-instrument") === chosen;
        group.hidden = !show;
        group.disabled = !show;
      });
      filter();
      counted();
    }

    find.addEventListener("input", filter);
    find.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); } // finding, not filing the request
    });
    picker.addEventListener("change", function (event) {
      if (event.target.type === "checkbox") { counted(); }
    });
    if (instrument) { instrument.addEventListener("change", showInstrument); }
    showInstrument();
    tools.hidden = false;
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
