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
