// Revealed personal data is shown for a limited time: an element with data-hide-after="N" is
// replaced by the masked version (its <template data-masked>) after N seconds.
(function () {
  "use strict";
  if (window.sellsafeReveal) return; // also included by revealed fragments: arm once
  window.sellsafeReveal = true;

  function arm(root) {
    var scope = root && root.querySelectorAll ? root : document;
    var found = Array.prototype.slice.call(scope.querySelectorAll("[data-hide-after]"));
    if (scope.matches && scope.matches("[data-hide-after]")) found.push(scope);
    found.forEach(function (el) {
      if (el.dataset.hideArmed) return;
      el.dataset.hideArmed = "1";
      var seconds = parseInt(el.dataset.hideAfter, 10);
      if (!(seconds > 0)) seconds = 60;
      setTimeout(function () {
        var template = el.querySelector("template[data-masked]");
        if (!el.isConnected) return;
        if (!template) {
          el.textContent = "Hidden again.";
          return;
        }
        var masked = template.content.cloneNode(true);
        var first = masked.firstElementChild;
        el.replaceWith(masked);
        if (first && window.htmx) window.htmx.process(first);
      }, seconds * 1000);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { arm(document); });
  } else {
    arm(document);
  }
  document.addEventListener("htmx:load", function (event) { arm(event.target); });
})();
