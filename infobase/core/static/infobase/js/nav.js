// Site navigation, loaded in <head> without defer so that the "js" class is on <html> before the
// first paint (menus start hidden). Listeners sit on the document, so they work while the page
// is still loading.
// - Menus follow the disclosure pattern: a <button data-disclosure="menu" aria-expanded
//   aria-controls> shows or hides its list. One menu is open at a time; Escape, a click outside
//   and focus moving out close it (Escape returns focus to its button).
// - On small screens the header collapses behind one button (data-disclosure="site").
// - Wide tables scroll inside their own region (focusable, named) instead of the page, with a
//   line saying so above them and a faded edge on each side where columns are hidden.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function controlled(button) {
    return document.getElementById(button.getAttribute("aria-controls"));
  }

  function isOpen(button) {
    return button.getAttribute("aria-expanded") === "true";
  }

  function setOpen(button, open) {
    var target = controlled(button);
    button.setAttribute("aria-expanded", open ? "true" : "false");
    if (!target) { return; }
    if (button.getAttribute("data-disclosure") === "site") {
      target.classList.toggle("open", open);
    } else {
      target.hidden = !open;
    }
  }

  function openButtons(kind) {
    return Array.prototype.slice.call(
      document.querySelectorAll('[data-disclosure="' + kind + '"][aria-expanded="true"]'));
  }

  function closeMenus(except) {
    openButtons("menu").forEach(function (button) {
      if (button !== except) { setOpen(button, false); }
    });
  }

  function inside(node, button) {
    var target = controlled(button);
    return button.contains(node) || (target !== null && target.contains(node));
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-disclosure]") : null;
    if (button) {
      var open = !isOpen(button);
      if (button.getAttribute("data-disclosure") === "menu") { closeMenus(button); }
      setOpen(button, open);
      return;
    }
    openButtons("menu").forEach(function (b) {
      if (!inside(event.target, b)) { setOpen(b, false); }
    });
    openButtons("site").forEach(function (b) {
      if (!inside(event.target, b)) { setOpen(b, false); }
    });
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" && event.key !== "Esc") { return; }
    var menus = openButtons("menu");
    var buttons = menus.length ? menus : openButtons("site");
    if (!buttons.length) { return; }
    var focused = document.activeElement;
    buttons.forEach(function (button) {
      var hadFocus = inside(focused, button);
      setOpen(button, false);
      if (hadFocus) { button.focus(); }
    });
    event.preventDefault();
  });

  document.addEventListener("focusin", function (event) {
    openButtons("menu").forEach(function (button) {
      if (!inside(event.target, button)) { setOpen(button, false); }
    });
  });

  function scrollableTables() {
    var tables = document.querySelectorAll("main table");
    Array.prototype.forEach.call(tables, function (table) {
      var parent = table.parentElement;
      var region = parent;
      if (!parent.classList.contains("table-scroll")) {
        region = document.createElement("div");
        region.className = "table-scroll";
        parent.insertBefore(region, table);
        region.appendChild(table);
      }
      var caption = table.querySelector("caption");
      var heading = null;
      for (var node = region.previousElementSibling; node; node = node.previousElementSibling) {
        if (/^H[1-6]$/.test(node.tagName)) { heading = node; break; }
      }
      var name = caption || heading;
      if (name && !region.hasAttribute("aria-labelledby") && !region.hasAttribute("aria-label")) {
        if (!name.id) { name.id = "table-name-" + Math.random().toString(36).slice(2, 9); }
        region.setAttribute("role", "region");
        region.setAttribute("aria-labelledby", name.id);
      }
      // A table wider than the screen says so in words just above it (hidden when it fits).
      var hint = region.previousElementSibling;
      if (!hint || !hint.classList.contains("scroll-hint")) {
        var words = document.getElementById("scroll-hint");
        hint = words && words.content ? words.content.firstElementChild.cloneNode(true) : null;
        if (hint) { region.parentElement.insertBefore(hint, region); }
      }
      // Focusable only when it does scroll, so that a keyboard can scroll it; "more-start" and
      // "more-end" mark the sides where columns are hidden (the style fades those edges). The
      // distance from the start is the same in both directions: scrollLeft runs from 0 to
      // negative values right to left.
      function update() {
        var room = region.scrollWidth - region.clientWidth;
        var scrolls = room > 1;
        if (scrolls) { region.tabIndex = 0; }
        else { region.removeAttribute("tabindex"); }
        if (hint) { hint.hidden = !scrolls; }
        var along = Math.abs(region.scrollLeft);
        region.classList.toggle("more-start", scrolls && along > 1);
        region.classList.toggle("more-end", scrolls && along < room - 1);
      }
      update();
      region.addEventListener("scroll", update, { passive: true });
      window.addEventListener("resize", update);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", scrollableTables);
  } else {
    scrollableTables();
  }
}());
