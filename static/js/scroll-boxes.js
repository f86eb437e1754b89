/* A table wider than the screen scrolls sideways inside its own box
   (.table-responsive), so the page itself never does. A box that scrolls
   must be reachable by keyboard (WCAG 2.1 success criterion 2.1.1): while,
   and only while, it really scrolls it becomes a focusable region named
   after its table, so a table that fits adds no stop to the tab order.
   Without this script the tables still scroll by touch and by mouse. */
(function () {
  "use strict";

  var script = document.currentScript;
  var fallback = (script && script.getAttribute("data-label")) || "";

  // "Tabell som kan rulles sideveis: <the table's caption or section
  // heading>": distinct from the section's own name, which a screen reader
  // would otherwise announce twice as two regions.
  function nameOf(box) {
    var caption = box.querySelector("caption");
    var name = caption ? caption.textContent.trim() : "";
    if (!name) {
      var section = box.closest("section, [aria-labelledby]");
      var heading = section && section.querySelector("h1, h2, h3, h4");
      name = heading ? heading.textContent.replace(/\s+/g, " ").trim() : "";
    }
    return name ? fallback + ": " + name : fallback;
  }

  function update() {
    document.querySelectorAll(".table-responsive").forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      var ours = box.hasAttribute("data-scroll-box");
      if (scrolls && !ours && !box.hasAttribute("tabindex")) {
        box.setAttribute("data-scroll-box", "");
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", nameOf(box));
      } else if (!scrolls && ours) {
        ["data-scroll-box", "tabindex", "role", "aria-label"].forEach(function (name) {
          box.removeAttribute(name);
        });
      }
    });
  }

  var pending = null;
  function later() {
    if (pending === null) {
      pending = window.requestAnimationFrame(function () {
        pending = null;
        update();
      });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", update);
  } else {
    update();
  }
  window.addEventListener("resize", later);
  // The household list and other filtered lists swap their results in place.
  document.addEventListener("htmx:afterSettle", later);
})();
