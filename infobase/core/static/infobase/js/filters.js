// A list page's filters ({% filterfold %}): folded on a phone, open on a wide screen (900 px
// and more), as the media query says now and whenever it changes (a phone turned sideways, a
// window resized). A form with an error stays open. Without this script the disclosure still
// opens and closes, and filters.css shows the form on a wide screen.
(function () {
  "use strict";
  var wide = window.matchMedia("(min-width: 900px)");

  function apply() {
    var folds = document.querySelectorAll("details[data-filter-fold]");
    for (var i = 0; i < folds.length; i++) {
      var fold = folds[i];
      if (wide.matches) {
        fold.open = true;
      } else if (!fold.hasAttribute("data-errors")) {
        fold.open = false;
      }
      fold.setAttribute("data-ready", "");
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", apply);
  } else {
    apply();
  }
  wide.addEventListener("change", apply);
})();
