// Progressive enhancement of the payment form; the form works without it.
// Groups the card number as it is embossed, names the brand, and stops a
// second submission while the first is on its way (the server refuses to
// charge twice anyway: this only spares the payer a confusing wait).
(function () {
  "use strict";
  // A page brought back by the browser's back button from its cache may
  // offer a choice already made (the test bank's buttons after answering):
  // ask the server again, which sends the payer on to the outcome.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted && document.querySelector(".bank-actions")) {
      window.location.reload();
    }
  });
  var form = document.querySelector("form.pay-form");
  if (!form) return;
  document.documentElement.setAttribute("data-js", "on");
  var number = form.querySelector("#number");
  var brand = form.querySelector(".brand");
  var button = form.querySelector("button[type=submit]");
  var label = button.textContent;

  function brandOf(d) {
    if (/^4/.test(d)) return "Visa";
    if (/^(5[1-5]|222[1-9]|22[3-9]\d|2[3-6]\d\d|27[01]\d|2720)/.test(d)) return "MasterCard";
    if (/^3[47]/.test(d)) return "Amex";
    if (/^35(2[89]|[3-8]\d)/.test(d)) return "JCB";
    if (/^3(0[0-5]|6|[89])/.test(d)) return "Diners";
    if (/^(6011|64[4-9]|65)/.test(d)) return "Discover";
    if (/^62/.test(d)) return "UnionPay";
    return "";
  }

  function grouped(digits, name) {
    var sizes = name === "Amex" ? [4, 6, 5] : name === "Diners" && digits.length <= 14 ? [4, 6, 4] : [4, 4, 4, 4, 3];
    var parts = [];
    var at = 0;
    for (var i = 0; i < sizes.length && at < digits.length; i++) {
      parts.push(digits.slice(at, at + sizes[i]));
      at += sizes[i];
    }
    return parts.join(" ");
  }

  number.addEventListener("input", function () {
    var caret = number.selectionStart || 0;
    var digitsBeforeCaret = number.value.slice(0, caret).replace(/\D/g, "").length;
    var digits = number.value.replace(/\D/g, "").slice(0, 19);
    var name = brandOf(digits);
    var text = grouped(digits, name);
    brand.textContent = name;
    if (text === number.value) return;
    number.value = text;
    // Keep the caret after the same digit it followed before regrouping.
    var pos = 0;
    for (var seen = 0; pos < text.length && seen < digitsBeforeCaret; pos++) {
      if (text.charAt(pos) !== " ") seen++;
    }
    number.setSelectionRange(pos, pos);
  });

  form.addEventListener("submit", function (event) {
    if (form.hasAttribute("data-submitting")) {
      event.preventDefault();
      return;
    }
    form.setAttribute("data-submitting", "");
    button.disabled = true;
    button.textContent = button.getAttribute("data-busy");
  });

  // A page restored from the back-forward cache must be payable again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    form.removeAttribute("data-submitting");
    button.disabled = false;
    button.textContent = label;
  });
})();
