/* Interview conveniences. Every page works without this file: it only filters the
   facility list and shows the wage figure while typing. Nothing is stored in the
   browser and nothing is sent anywhere but this app. */
(function () {
  "use strict";

  function filterFacilities() {
    var box = document.querySelector(".facility-search");
    if (!box) { return; }
    box.hidden = false;
    var input = box.querySelector("input");
    input.addEventListener("input", function () {
      var term = input.value.trim().toLowerCase();
      document.querySelectorAll("select[name$='-registry_id']").forEach(function (select) {
        Array.prototype.forEach.call(select.options, function (option) {
          var keep = !option.value || !term || option.text.toLowerCase().indexOf(term) !== -1;
          option.hidden = !keep;
          if (keep && term && option.value && option.text.toLowerCase() === term) {
            select.value = option.value;
          }
        });
      });
    });
  }

  function liveWage() {
    var endpoint = document.getElementById("wage-endpoint");
    var tokenField = document.querySelector("input[name='csrf_token']");
    if (!endpoint || !tokenField) { return; }
    document.querySelectorAll("section.labour").forEach(function (section) {
      var out = section.querySelector(".derived");
      function value(suffix) {
        var field = section.querySelector("[name$='-" + suffix + "']");
        return field ? field.value : "";
      }
      function update() {
        var body = {
          amount: value("wage_amount"), currency: value("wage_currency"),
          count: value("wage_count"), unit: value("wage_unit"),
          days_per_week: value("days_per_week"),
          prefecture: section.dataset.prefecture, on: section.dataset.on
        };
        fetch(endpoint.dataset.url, {
          method: "POST", credentials: "same-origin",
          headers: {"Content-Type": "application/json", "X-CSRFToken": tokenField.value},
          body: JSON.stringify(body)
        }).then(function (response) { return response.ok ? response.json() : null; })
          .then(function (figure) {
            if (!figure || figure.monthly_cny === null) { return; }
            var text = endpoint.dataset.monthly.replace("{amount}", figure.monthly_cny);
            if (figure.ratio !== null) {
              text += " " + endpoint.dataset.ratio.replace("{ratio}", figure.ratio);
            }
            out.textContent = text;
          }).catch(function () { /* the saved figure stays shown */ });
      }
      ["wage_amount", "wage_currency", "wage_count", "wage_unit", "days_per_week"].forEach(function (suffix) {
        var field = section.querySelector("[name$='-" + suffix + "']");
        if (field) { field.addEventListener("change", update); }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    filterFacilities();
    liveWage();
  });
})();
