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

  function range(pair) { return pair[0] === pair[1] ? pair[0] : pair[0] + "\u2013" + pair[1]; }

  function lastDay(year, month) { return new Date(Date.UTC(year, month, 0)).getUTCDate(); }

  function pad(number) { return (number < 10 ? "0" : "") + number; }

  // The days a statement may be about: its own date when typed, else the episode's.
  function statementDays(value, section) {
    var year = parseInt(value("on-year"), 10), month = parseInt(value("on-month"), 10);
    var day = parseInt(value("on-day"), 10);
    if (!(year >= 1900 && year <= 2100)) {
      return [section.dataset.onLow || "", section.dataset.onHigh || ""];
    }
    if (!(month >= 1 && month <= 12)) { return [year + "-01-01", year + "-12-31"]; }
    var first = year + "-" + pad(month) + "-";
    if (day >= 1 && day <= lastDay(year, month)) { return [first + pad(day), first + pad(day)]; }
    return [first + "01", first + pad(lastDay(year, month))];
  }

  function liveWages() {
    var endpoint = document.getElementById("wage-endpoint");
    var tokenField = document.querySelector("input[name='csrf_token']");
    if (!endpoint || !tokenField || !window.fetch) { return; }
    document.querySelectorAll("section.labour").forEach(function (section) {
      section.querySelectorAll("fieldset.wage").forEach(function (statement) {
        var saved = statement.querySelector(".derived-saved");
        var live = statement.querySelector(".derived-live");
        // Answers may arrive out of order: only the newest request's answer is shown.
        var latest = 0;
        function value(suffix) {
          var field = statement.querySelector("[name$='-" + suffix + "']");
          return field ? field.value : "";
        }
        function update() {
          var asked = ++latest;
          var days = statementDays(value, section);
          var week = section.querySelector("[name$='-days_per_week']");
          var body = {
            status: value("status"), amount: value("amount"), amount_max: value("amount_max"),
            currency: value("currency"), count: value("count"), count_min: value("count_min"),
            unit: value("unit"), piece_amount: value("piece_amount"),
            items_per_day: value("items_per_day"), items_per_day_max: value("items_per_day_max"),
            days_per_week: week ? week.value : "", on_low: days[0], on_high: days[1],
            prefecture: section.dataset.prefecture, county: section.dataset.county
          };
          fetch(endpoint.dataset.url, {
            method: "POST", credentials: "same-origin",
            headers: {"Content-Type": "application/json", "X-CSRFToken": tokenField.value},
            body: JSON.stringify(body)
          }).then(function (response) { return response.json(); })
            .then(function (figure) {
              if (asked !== latest) { return; }
              var text;
              if (figure.error) {
                text = figure.error;
              } else if (figure.monthly_cny) {
                text = endpoint.dataset.monthly.replace("{amount}", range(figure.monthly_cny));
                if (figure.ratio) { text += "; " + endpoint.dataset.ratio.replace("{ratio}", range(figure.ratio)); }
                if (figure.converted_from && figure.rate) {
                  text += "; " + endpoint.dataset.converted.replace("{currency}", figure.converted_from)
                    .replace("{rate}", range(figure.rate));
                }
                if (figure.reason_texts.length) { text += ". " + figure.reason_texts.join(" "); }
              } else {
                text = figure.reason_texts.join(" ");
              }
              live.textContent = text;
              live.hidden = !text;
              saved.hidden = !!text;
            }).catch(function () { /* the saved figure stays shown */ });
        }
        statement.addEventListener("change", update);
        var week = section.querySelector("[name$='-days_per_week']");
        if (week) { week.addEventListener("change", update); }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    dates();
    pickers();
    liveWages();
  });
})();
