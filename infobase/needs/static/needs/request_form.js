// The articles picker (needs/article_picker.py): shows only the chosen instrument's articles
// (the server checks it too), finds an article by its number or words of its title, and says
// how many articles and paragraphs are chosen. Without this script every group is listed.
(function () {
  "use strict";
  // As infobase/core/text.py folds the titles (data-find): Arabic spelling variants, marks.
  var ARABIC = {
    "\u0623": "\u0627", "\u0625": "\u0627", "\u0622": "\u0627", "\u0671": "\u0627",
    "\u0649": "\u064a", "\u06cc": "\u064a", "\u0629": "\u0647", "\u0624": "\u0648",
    "\u0626": "\u064a", "\u06a9": "\u0643", "\u0640": ""
  };
  var ARABIC_LETTERS = /[\u0623\u0625\u0622\u0671\u0649\u06cc\u0629\u0624\u0626\u06a9\u0640]/g;
  var ARABIC_MARKS = /[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed]/g;
  var PREFIXES = ["\u0648\u0627\u0644", "\u0628\u0627\u0644", "\u0643\u0627\u0644",
    "\u0641\u0627\u0644", "\u0644\u0644", "\u0627\u0644"];
  var EDGES = /^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu;

  function fold(text) {
    return text
      .replace(/[\u0660-\u0669]/g, function (d) { return String(d.charCodeAt(0) - 0x660); })
      .replace(/[\u06f0-\u06f9]/g, function (d) { return String(d.charCodeAt(0) - 0x6f0); })
      .replace(ARABIC_MARKS, "")
      .replace(ARABIC_LETTERS, function (c) { return ARABIC[c]; })
      .normalize("NFKD").replace(/\p{M}/gu, "")
      .normalize("NFKC").toLowerCase();
  }

  function words(query) {
    return fold(query).split(/\s+/).map(function (word) {
      word = word.replace(EDGES, "");
      for (var i = 0; i < PREFIXES.length; i++) {
        if (word.indexOf(PREFIXES[i]) === 0 && word.length - PREFIXES[i].length >= 3) {
          return word.slice(PREFIXES[i].length);
        }
      }
      return word;
    }).filter(Boolean);
  }

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
