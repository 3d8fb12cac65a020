/* The joint punishment check: the form is sent by GET so that a result can be linked; a list
   of codes too long for an address (servers refuse request lines over about 8 KB) is sent by
   POST instead. Without this file, long lists are refused by the server: the page says so. */
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }
  ready(function () {
    document.querySelectorAll("form[data-post-over]").forEach(function (form) {
      var limit = parseInt(form.getAttribute("data-post-over"), 10) || 6000;
      form.addEventListener("submit", function () {
        var token = form.querySelector("input[name=csrfmiddlewaretoken]");
        if (token) { token.disabled = true; }
        var size = new URLSearchParams(new FormData(form)).toString().length;
        if (size > limit && token) {
          form.method = "post";
          token.disabled = false;
        } else {
          form.method = "get";
        }
      });
    });
  });
})();
