/* The supervision pages' small enhancements (every page works without them):
   - a plan's "re-run this draw" button fetches the published inputs and result, replays the
     draw in the browser with replay.js and says whether the results are the same, with both
     hashes (the page's texts come from the container's data- attributes);
   - the plan form shows only the inspection items of the chosen kind of subject. */
(function () {
  "use strict";

  function hex(bytes) {
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  /* The SHA-256 of a text, in hex: WebCrypto where the page is served securely, otherwise the
     replayer's own implementation; null when neither is there. */
  function hashOf(text) {
    var bytes = new TextEncoder().encode(text);
    if (window.crypto && window.crypto.subtle) {
      return window.crypto.subtle.digest("SHA-256", bytes).then(function (d) { return hex(new Uint8Array(d)); });
    }
    var internals = window.certinelDrawInternals;
    return Promise.resolve(internals && internals.sha256 ? hex(internals.sha256(bytes)) : null);
  }

  function fetchText(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) throw new Error(url + ": HTTP " + response.status);
      return response.text();
    });
  }

  function line(dl, label, value) {
    var dt = document.createElement("dt"), dd = document.createElement("dd");
    dt.textContent = label;
    dd.textContent = value;
    dd.className = "sv-hash";
    dl.appendChild(dt);
    dl.appendChild(dd);
  }

  function show(out, box, verdict, tone, computed, published) {
    out.textContent = "";
    var p = document.createElement("p"), badge = document.createElement("span");
    badge.className = "badge badge-" + tone;
    badge.id = "rerun-verdict";
    badge.textContent = verdict;
    p.appendChild(badge);
    out.appendChild(p);
    if (computed) {
      var dl = document.createElement("dl");
      dl.className = "facts";
      line(dl, box.dataset.computed, computed);
      line(dl, box.dataset.published, published);
      out.appendChild(dl);
    }
  }

  function run(box, button, out) {
    button.disabled = true;
    out.textContent = box.dataset.running;
    Promise.all([fetchText(box.dataset.inputs), fetchText(box.dataset.result)]).then(function (texts) {
      return window.certinelReplayPublished(JSON.parse(texts[0])).then(function (result) {
        var mine = window.certinelDumps(result), theirs = texts[1];
        return Promise.all([hashOf(mine), hashOf(theirs)]).then(function (hashes) {
          var same = mine === theirs && (hashes[1] === null || hashes[1] === box.dataset.expected);
          show(out, box, same ? box.dataset.same : box.dataset.different, same ? "ok" : "bad", hashes[0], hashes[1]);
          box.dataset.outcome = same ? "same" : "different";
        });
      });
    }).catch(function (error) {
      show(out, box, box.dataset.failed + " " + error.message, "bad");
      box.dataset.outcome = "error";
    }).then(function () { button.disabled = false; });
  }

  function itemsOfKind() {
    var select = document.getElementById("id_subject_kind");
    if (!select) return;
    function apply(uncheck) {
      document.querySelectorAll("#plan-items fieldset[data-kind]").forEach(function (group) {
        var shown = group.dataset.kind === select.value;
        group.hidden = !shown;
        if (!shown && uncheck) group.querySelectorAll("input[type=checkbox]").forEach(function (box) { box.checked = false; });
      });
    }
    select.addEventListener("change", function () { apply(true); });
    apply(false);
  }

  function ready() {
    itemsOfKind();
    var box = document.getElementById("rerun");
    if (!box || !window.certinelReplayPublished || !window.TextEncoder || !window.fetch) return;
    var button = document.getElementById("rerun-button"), out = document.getElementById("rerun-out");
    button.hidden = false;
    button.addEventListener("click", function () { run(box, button, out); });
  }

  if (document.readyState !== "loading") { ready(); } else { document.addEventListener("DOMContentLoaded", ready); }
})();
