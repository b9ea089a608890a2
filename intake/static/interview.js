/* Interview conveniences. Every page works without this file: it filters the
   facility list, shows the wage figure while typing, and sends what is typed to the
   app's encrypted draft as the person types, so a closed tab or a crash loses at
   most the last moments of one field. Nothing is stored in the browser and nothing
   is sent anywhere but this app. */
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

  function keepTyping() {
    var form = document.getElementById("step-form");
    if (!form || !form.dataset.typedUrl || !window.fetch) { return; }
    var status = form.querySelector(".typing-status");
    // Sends go one after another, so an older one can never land after a newer one.
    var queue = Promise.resolve(), pending = 0, timer = null, dirty = false, submitting = false;

    function show(text) {
      if (!status) { return; }
      status.textContent = text;
      status.hidden = false;
    }
    function post() {
      return fetch(form.dataset.typedUrl, {
        method: "POST", credentials: "same-origin", body: new FormData(form), redirect: "manual"
      }).then(function (response) {
        if (response.status === 204) { show(status.dataset.kept); return; }
        dirty = true;
        show(status.dataset.failed);
      }, function () {
        dirty = true;
        show(status.dataset.failed);
      });
    }
    function send() {
      if (timer) { clearTimeout(timer); timer = null; }
      if (!dirty || submitting) { return; }
      dirty = false;
      pending += 1;
      queue = queue.then(post).then(function () { pending -= 1; });
    }
    form.addEventListener("input", function () {
      dirty = true;
      if (timer) { clearTimeout(timer); }
      timer = setTimeout(send, 1500);
    });
    form.addEventListener("change", function () { dirty = true; send(); });
    form.addEventListener("submit", function (event) {
      if (timer) { clearTimeout(timer); timer = null; }
      if (pending > 0 && !submitting) {
        // Let the kept typing arrive first, so it cannot land after the step is saved.
        event.preventDefault();
        var submitter = event.submitter;
        submitting = true;
        queue.then(function () {
          if (form.requestSubmit && submitter) { form.requestSubmit(submitter); } else { form.submit(); }
        });
        return;
      }
      submitting = true;
    });
    window.addEventListener("pageshow", function (event) {
      if (event.persisted) { submitting = false; }
    });
    window.addEventListener("pagehide", function () {
      if (dirty && !submitting && navigator.sendBeacon) {
        navigator.sendBeacon(form.dataset.typedUrl, new FormData(form));
        dirty = false;
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    filterFacilities();
    liveWage();
    keepTyping();
  });
})();
