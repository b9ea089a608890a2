/* Trajectory and labour conveniences. The pages work without this file: every box
   is shown and the server checks what is typed. With it, a date shows only the boxes
   its precision needs, and a facility or place box says which entry of the list it
   names. Nothing is stored in the browser and nothing is sent anywhere. */
(function () {
  "use strict";

  // Which boxes each precision needs ("" reads the date from the words as said).
  var NEEDS = {
    "": ["year", "month", "day", "as_said"],
    day: ["year", "month", "day", "as_said"],
    month: ["year", "month", "as_said"],
    season: ["year", "season", "as_said"],
    year: ["year", "as_said"],
    approximate: ["year", "month", "day", "as_said"],
    before: ["year", "month", "day", "as_said"],
    after: ["year", "month", "day", "as_said"],
    unknown: ["as_said"]
  };
  var PARTS = ["year", "month", "day", "season", "as_said"];

  function fitDate(select) {
    var prefix = select.name.slice(0, -"precision".length);
    var needs = NEEDS[select.value] || NEEDS[""];
    PARTS.forEach(function (part) {
      var box = document.getElementsByName(prefix + part)[0];
      if (!box) { return; }
      var wrapper = box.closest(".field") || box;
      // A box holding a value stays visible, so nothing typed is ever hidden.
      wrapper.hidden = needs.indexOf(part) === -1 && !box.value;
    });
  }

  function dates() {
    document.querySelectorAll("select[name$='-precision'], select[name='precision']").forEach(function (select) {
      fitDate(select);
      select.addEventListener("change", function () { fitDate(select); });
    });
  }

  function lookup(listId) {
    var list = document.getElementById(listId), byText = {};
    if (!list) { return byText; }
    Array.prototype.forEach.call(list.options, function (option) {
      byText[option.value.trim().toLowerCase()] = option.value;
      byText[(option.dataset.id || "").toLowerCase()] = option.value;
    });
    return byText;
  }

  function pickers() {
    var lists = {};
    document.querySelectorAll("input[list]").forEach(function (input) {
      var id = input.getAttribute("list");
      lists[id] = lists[id] || lookup(id);
      var note = document.createElement("p");
      note.className = "hint picked";
      note.setAttribute("aria-live", "polite");
      input.insertAdjacentElement("afterend", note);
      function show() {
        var typed = input.value.trim().toLowerCase();
        var found = lists[id][typed];
        note.textContent = typed && found ? "✓ " + found : "";
        note.hidden = !note.textContent;
      }
      input.addEventListener("input", show);
      show();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    dates();
    pickers();
  });
})();
