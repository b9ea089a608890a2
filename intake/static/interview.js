/* Interview conveniences. Every page works without this file: it filters the
   facility list, and sends what is typed to the
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

  function keepTyping() {
    var form = document.getElementById("step-form");
    if (!form || !form.dataset.typedUrl || !window.fetch || !window.URLSearchParams) { return; }
    var status = form.querySelector(".typing-status");
    // Sends go one after another, so an older one can never land after a newer one.
    var queue = Promise.resolve(), pending = 0, timer = null, firstChange = 0;
    var waiting = false, submitting = false;
    // URL-encoded like the form's own posts (a multipart body has a lower field limit).
    function body() { return new URLSearchParams(new FormData(form)).toString(); }
    var lastKept = body();

    function show(key) {
      if (!status) { return; }
      status.textContent = status.dataset[key];
      status.hidden = false;
    }
    function post(text) {
      return fetch(form.dataset.typedUrl, {
        method: "POST", credentials: "same-origin", redirect: "manual", keepalive: text.length < 60000,
        headers: {"Content-Type": "application/x-www-form-urlencoded"}, body: text
      }).then(function (response) {
        if (response.status === 204) { lastKept = text; show("kept"); } else { show("failed"); }
      });
    }
    function send() {
      if (timer) { clearTimeout(timer); timer = null; }
      firstChange = 0;
      var text = body();
      if (submitting || text === lastKept) { return; }
      pending += 1;
      queue = queue.then(function () { return post(text); })
        .catch(function () { show("failed"); })
        .then(function () { pending -= 1; });
    }
    function changed(event) {
      if (!event.target || !event.target.name) { return false; }  // e.g. the facility filter
      return true;
    }
    form.addEventListener("input", function (event) {
      if (!changed(event)) { return; }
      var now = Date.now();
      firstChange = firstChange || now;
      if (timer) { clearTimeout(timer); }
      // After a pause of 1.5 s, and at least every 10 s of steady typing.
      timer = setTimeout(send, now - firstChange > 10000 ? 0 : 1500);
    });
    form.addEventListener("change", function (event) { if (changed(event)) { send(); } });
    form.addEventListener("submit", function (event) {
      if (timer) { clearTimeout(timer); timer = null; }
      if (waiting) { event.preventDefault(); return; }
      if (pending > 0 && !submitting) {
        // Let the kept typing arrive first (at most 5 s), so it cannot land after the save.
        event.preventDefault();
        waiting = true;
        var submitter = event.submitter;
        var go = function () {
          if (!waiting) { return; }
          waiting = false;
          submitting = true;
          if (form.requestSubmit && submitter) { form.requestSubmit(submitter); } else { form.submit(); }
        };
        queue.then(go);
        setTimeout(go, 5000);
        return;
      }
      submitting = true;
    });
    window.addEventListener("pageshow", function (event) {
      if (event.persisted) { submitting = false; waiting = false; }
    });
    window.addEventListener("pagehide", function () {
      var text = body();
      if (submitting || text === lastKept || !navigator.sendBeacon) { return; }
      var blob = new Blob([text], {type: "application/x-www-form-urlencoded"});
      if (navigator.sendBeacon(form.dataset.typedUrl, blob)) { lastKept = text; }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    filterFacilities();
    keepTyping();
  });
})();

/* Interview and informants: ticking "the testifier is the victim" hides that
   informant's name rows (the victim's names are typed once, on the victim step). */
(function () {
  "use strict";

  function victimSpeaking() {
    document.querySelectorAll(".row.informant").forEach(function (row) {
      var tickBox = row.querySelector("input[name$='-is_victim']");
      var names = row.querySelector(".informant-names");
      if (!tickBox || !names) { return; }
      function show() { names.hidden = tickBox.checked; }
      tickBox.addEventListener("change", show);
      show();
    });
  }

  document.addEventListener("DOMContentLoaded", victimSpeaking);
})();

/* Dates: only the boxes the chosen precision needs are shown (a year alone shows no
   month or day box). Hidden boxes keep what was typed; the app reads only the parts
   the precision names. With no precision chosen every box shows. */
(function () {
  "use strict";

  var NEEDS = {
    day: ["year", "month", "day"],
    month: ["year", "month"],
    season: ["year", "season"],
    year: ["year"],
    approximate: ["year", "month", "day"],
    before: ["year", "month", "day"],
    after: ["year", "month", "day"],
    unknown: []
  };
  var PARTS = ["year", "month", "day", "season"];

  function datePrecision() {
    document.querySelectorAll("fieldset.date select[name$='-precision']").forEach(function (select) {
      var prefix = select.name.slice(0, -"precision".length);
      function show() {
        var needed = NEEDS[select.value];
        PARTS.forEach(function (part) {
          var input = document.getElementById(prefix + part);
          var box = input && input.closest(".field");
          if (box) { box.hidden = needed !== undefined && needed.indexOf(part) === -1; }
        });
      }
      select.addEventListener("change", show);
      show();
    });
  }

  document.addEventListener("DOMContentLoaded", datePrecision);
})();
