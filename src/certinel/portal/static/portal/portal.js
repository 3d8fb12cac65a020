/* Certinel portal: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  ready(function () {
    // The language switch submits itself when a language is chosen.
    document.querySelectorAll("select.js-autosubmit").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
    // A new API key is selected on focus, ready to copy.
    document.querySelectorAll("input.key-output").forEach(function (input) {
      input.addEventListener("focus", function () { input.select(); });
    });
  });
})();
