// The dashboard's own script: copy buttons and times in the browser's time
// zone. Every page works without it.
(function () {
  "use strict";

  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field || !navigator.clipboard) return;
    button.hidden = false;
    var label = button.textContent;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(field.value).then(function () {
        button.textContent = button.getAttribute("data-copied") || label;
        setTimeout(function () { button.textContent = label; }, 1500);
      });
    });
  });

  var lang = document.documentElement.lang || "en";
  var locale = { en: "en-GB", th: "th-TH", ja: "ja-JP" }[lang] || lang;
  document.querySelectorAll("time[data-local]").forEach(function (el) {
    var when = new Date(el.getAttribute("datetime"));
    if (isNaN(when)) return;
    el.title = el.textContent;
    el.textContent = when.toLocaleString(locale, {
      year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit"
    });
  });
})();

// Live updates: on a page with parts marked data-live, a change of the
// session's charges (told by server-sent events) brings those parts in
// afresh from the same page, without a reload.
(function () {
  "use strict";
  var parts = document.querySelectorAll("[data-live]");
  if (!parts.length || !window.EventSource || !window.DOMParser) return;
  var source = new EventSource("/dashboard/live");
  var busy = false;
  source.addEventListener("charges", function () {
    if (busy) return;
    busy = true;
    fetch(location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        parts.forEach(function (part) {
          var name = part.getAttribute("data-live");
          var next = fresh.querySelector('[data-live="' + name + '"]');
          if (next) {
            part.innerHTML = next.innerHTML;
            part.querySelectorAll("time[data-local]").forEach(function (el) {
              var when = new Date(el.getAttribute("datetime"));
              if (!isNaN(when)) el.textContent = when.toLocaleString(document.documentElement.lang || "en", {
                year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit"
              });
            });
          }
        });
      })
      .catch(function () {})
      .then(function () { busy = false; });
  });
})();
