/* The answering page's guides, on top of a form that works without script:
 * - repeated sections: "Add" copies the section's <template> (numbered), "Remove" drops an
 *   instance not yet saved (a saved one is removed by the server: the button posts);
 * - progress per section over the questions that apply (visible, answerable), kept live;
 * - the section index marks the section in view; "Save draft" comes back to it (place);
 * - drafts are saved a moment after each change (fetch POST to the form's own address),
 *   with a polite status line; the answers' versions are updated so that the next save is
 *   not mistaken for someone else's edit;
 * - the confirmation of the last action (saved, removed) is repeated in that status line: the
 *   page comes back to the place in the form, far below the message at its top.
 */
(function () {
  "use strict";

  var AUTOSAVE_DELAY = 2500;

  function answered(question) {
    var controls = question.querySelectorAll("[name^='q-']");
    for (var i = 0; i < controls.length; i++) {
      var c = controls[i];
      if (c.disabled) continue;
      if (c.type === "radio" || c.type === "checkbox") {
        if (c.checked && c.value !== "") return true;
      } else if (c.value.trim() !== "") {
        return true;
      }
    }
    var files = question.querySelector(".files li");
    return !!files;
  }

  function applicable(question) {
    return !question.closest("[hidden]") && !question.closest("template");
  }

  function progress(form) {
    var text = form.getAttribute("data-progress-text") || "{done} / {total}";
    var counts = Object.create(null);
    function add(key, question) {
      var c = counts[key] || (counts[key] = { done: 0, total: 0 });
      c.total += 1;
      if (answered(question)) c.done += 1;
    }
    form.querySelectorAll("[data-answerable]").forEach(function (question) {
      if (!applicable(question)) return;
      add("", question);
      var section = question.parentElement && question.parentElement.closest("[data-section]");
      while (section) {
        add(section.getAttribute("data-section"), question);
        section = section.parentElement && section.parentElement.closest("[data-section]");
      }
    });
    document.querySelectorAll("[data-progress-for]").forEach(function (el) {
      var c = counts[el.getAttribute("data-progress-for")] || { done: 0, total: 0 };
      el.textContent = text.replace("{done}", c.done).replace("{total}", c.total);
      el.classList.toggle("complete", c.total > 0 && c.done === c.total);
    });
    document.querySelectorAll("[data-index-for]").forEach(function (item) {
      var section = document.querySelector(
        "[data-section='" + item.getAttribute("data-index-for").replace(/'/g, "\\'") + "']");
      item.hidden = !section || section.hidden;
    });
  }

  function refresh(form) {
    if (window.InfobaseRelevance) window.InfobaseRelevance.refresh(form);
    else progress(form);
  }

  /* -- repeated sections */
  function addInstance(form, repeat) {
    var template = repeat.querySelector(":scope > template[data-repeat-template]");
    if (!template) return;
    var depth = repeat.getAttribute("data-repeat-depth") || "0";
    var number = parseInt(repeat.getAttribute("data-next"), 10) || 1;
    var html = template.innerHTML.split("__N" + depth + "__").join(String(number));
    var holder = document.createElement("template");
    holder.innerHTML = html;
    var instance = holder.content.firstElementChild;
    var list = repeat.querySelector(":scope > [data-repeat-instances]");
    var empty = list.querySelector(":scope > [data-repeat-empty]");
    if (empty) empty.remove();
    list.appendChild(holder.content);
    repeat.setAttribute("data-next", String(number + 1));
    refresh(form);
    var first = instance && instance.querySelector("input:not([type=hidden]), select, textarea");
    if (first) first.focus();
  }

  /* -- autosave */
  function autosaver(form, status) {
    var url = form.getAttribute("data-autosave"), timer = null, running = false, again = false;
    function say(text) { if (status) status.textContent = text; }
    function versions(map) {
      Object.keys(map).forEach(function (key) {
        var input = form.querySelector("input[type=hidden][name='v-" + key.replace(/'/g, "\\'") + "']");
        if (!input) return;
        input.value = map[key];
        var added = input.closest("[data-unsaved]");  // stored now: removing it must post
        if (added) added.removeAttribute("data-unsaved");
      });
    }
    function save() {
      timer = null;
      if (running) { again = true; return; }
      running = true;
      var data = new FormData(form);
      form.querySelectorAll("input[type=file]").forEach(function (input) { data.delete(input.name); });
      data.set("action", "autosave");
      say(form.getAttribute("data-saving-text") || "");
      fetch(url, {
        method: "POST", body: data, credentials: "same-origin",
        headers: { "X-Requested-With": "fetch", "Accept": "application/json" },
      }).then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      }).then(function (reply) {
        versions(reply.versions || {});
        say(reply.status || "");
      }).catch(function () {
        say(form.getAttribute("data-failed-text") || "");
      }).then(function () {
        running = false;
        if (again) { again = false; schedule(); }
      });
    }
    function schedule() {
      if (timer) clearTimeout(timer);
      timer = setTimeout(save, AUTOSAVE_DELAY);
    }
    return schedule;
  }

  /* -- where the user is: the section in view, remembered for "Save draft" */
  function tracker(form) {
    var place = form.querySelector("[data-place]");
    var links = document.querySelectorAll(".section-index a[href^='#']");
    var sections = Array.prototype.map.call(links, function (a) {
      return document.getElementById(decodeURIComponent(a.getAttribute("href").slice(1)));
    });
    var pending = false;
    function mark() {
      pending = false;
      var current = -1;
      sections.forEach(function (section, i) {
        if (section && !section.hidden && section.getBoundingClientRect().top < 120) current = i;
      });
      links.forEach(function (a, i) {
        if (i === current) a.setAttribute("aria-current", "location");
        else a.removeAttribute("aria-current");
      });
      if (place && current >= 0 && sections[current]) place.value = sections[current].id;
    }
    window.addEventListener("scroll", function () {
      if (!pending) { pending = true; window.requestAnimationFrame(mark); }
    }, { passive: true });
    form.addEventListener("focusin", function (event) {
      var question = event.target.closest("[data-question]");
      if (place && question) place.value = question.id;
    });
    mark();
  }

  function echoMessages(status) {
    if (!status) return;
    var shown = document.querySelectorAll("main > .message");
    status.textContent = Array.prototype.map.call(shown, function (message) {
      return message.textContent.trim();
    }).join(" ");
  }

  function init() {
    var form = document.querySelector("form[data-questionnaire]");
    if (!form) return;
    form.addEventListener("infobase:updated", function () { progress(form); });
    var index = document.querySelector("[data-section-index]");
    var narrow = window.matchMedia("(max-width: 60rem)");
    if (index && narrow.matches) index.open = false;
    if (index) {
      index.addEventListener("click", function (event) {
        if (narrow.matches && event.target.closest("a")) index.open = false;  // show the section
      });
    }
    var status = document.getElementById("autosave-status");
    echoMessages(status);
    var schedule = form.hasAttribute("data-autosave") ? autosaver(form, status) : null;
    form.addEventListener("click", function (event) {
      var button = event.target.closest("button");
      if (!button) return;
      if (button.hasAttribute("data-repeat-add")) {
        event.preventDefault();
        addInstance(form, button.closest("[data-repeat]"));
      } else if (button.hasAttribute("data-repeat-remove")) {
        var instance = button.closest("[data-instance]");
        if (instance && instance.hasAttribute("data-unsaved")) {
          event.preventDefault();  // nothing stored yet: drop it here, no round trip
          var repeat = instance.closest("[data-repeat]");
          instance.remove();
          refresh(form);
          var add = repeat && repeat.querySelector(":scope > [data-repeat-add]");
          if (add) add.focus();
          if (schedule) schedule();
        }
      }
    });
    if (schedule) {
      form.addEventListener("input", function (event) {
        if (event.target.type !== "file") schedule();
      });
      form.addEventListener("change", function (event) {
        if (event.target.type !== "file") schedule();
      });
    }
    tracker(form);
    refresh(form);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
