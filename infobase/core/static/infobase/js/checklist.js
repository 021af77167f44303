// The checklists of long multiple choices (core/widgets.Checklist, infobase/widgets/
// checklist.html): a box that narrows the list to the items whose name holds every word typed
// (folded as the server folded each item's data-find: fold.js, loaded before), the count of
// items chosen, announced politely as it changes, and their names, whichever the box hides.
// Ticks are never dropped by the box: it only hides. Without this script the list of
// checkboxes works alone.
(function () {
  "use strict";
  if (window.infobaseChecklist) { return; } // the widget's template loads it once per list
  window.infobaseChecklist = true;

  function setUp(list) {
    if (list.hasAttribute("data-ready")) { return; }
    list.setAttribute("data-ready", "");
    var tools = list.querySelector(".checklist-tools");
    if (!tools) { return; } // nothing to choose from
    var find = tools.querySelector("input[type=search]");
    var count = tools.querySelector(".checklist-count");
    var picked = tools.querySelector(".checklist-picked");
    var none = tools.querySelector(".checklist-none");
    var items = Array.prototype.slice.call(list.querySelectorAll(".checklist-items > li"));
    var texts = {};
    try { texts = JSON.parse(list.getAttribute("data-count") || "{}"); } catch (e) { texts = {}; }
    var rules = window.Intl && Intl.PluralRules
      ? new Intl.PluralRules(document.documentElement.lang || "en") : null;

    function counted() {
      var chosen = items.filter(function (item) {
        return item.querySelector("input[type=checkbox]").checked;
      });
      var n = chosen.length;
      var category = rules ? rules.select(n) : (n === 1 ? "one" : "other");
      var text = (texts[category] || texts.other || "{n}").replace("{n}", String(n));
      if (count.textContent !== text) { count.textContent = text; }
      while (picked.firstChild) { picked.removeChild(picked.firstChild); }
      chosen.forEach(function (item) {
        var words = item.querySelector("label > span");
        var name = document.createElement("li");
        if (words.hasAttribute("dir")) { name.setAttribute("dir", words.getAttribute("dir")); }
        name.textContent = words.textContent;
        picked.appendChild(name);
      });
      picked.hidden = n === 0;
    }

    function filter() {
      var terms = window.infobaseFold.words(find.value);
      var found = 0;
      items.forEach(function (item) {
        var key = item.getAttribute("data-find") || "";
        var show = terms.every(function (term) { return key.indexOf(term) !== -1; });
        item.hidden = !show;
        if (show) { found += 1; }
      });
      none.hidden = !terms.length || found > 0;
    }

    if (find) { // a short list has none
      find.addEventListener("input", filter);
      find.addEventListener("search", filter); // the box's own clear button
      find.addEventListener("keydown", function (event) {
        if (event.key === "Enter") { event.preventDefault(); } // finding, not sending the form
      });
      filter(); // a browser may have kept the box's words (back, reload)
    }
    list.addEventListener("change", function (event) {
      if (event.target.type === "checkbox") { counted(); }
    });
    counted();
    tools.hidden = false;
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll(".checklist"), setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
