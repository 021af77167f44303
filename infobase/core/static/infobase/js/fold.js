// What a person types in a search box, folded as infobase/core/text.py folds the texts it is
// looked for in (`fold`, written into the page as data-find): Arabic spelling variants
// (hamza forms, alef maqsura, ta marbuta, tatweel), harakat and Latin accents compare equal,
// and a word's Arabic article or proclitic is set aside. The one copy of the rule in the
// browser: the article picker (needs/request_form.js) and the checklists (checklist.js) use it.
(function () {
  "use strict";
  if (window.infobaseFold) { return; }
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

  // The words of a query, each folded, without its edge punctuation or its Arabic article
  // (kept when fewer than three letters would remain): each is looked for inside the folded
  // text, so that «الأردن», «أردن» and «اردن» all find «الأردن».
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

  window.infobaseFold = { fold: fold, words: words };
})();
