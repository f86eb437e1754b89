/* The letter template editor: the buttons beside the editor put a field
   ("[mottakers navn]") where the cursor stands, in the subject or the letter
   text, whichever was last in use. Without this script the field list is
   still there to read and type from; the buttons stay hidden. */
(function () {
  "use strict";

  function init() {
    var editor = document.querySelector("[data-letter-editor]");
    if (!editor) {
      return;
    }
    var body = document.getElementById("id_body");
    var subject = document.getElementById("id_subject");
    var status = document.getElementById("insert-status");
    var message = editor.getAttribute("data-inserted-message") || "%s";
    var target = body;
    [body, subject].forEach(function (field) {
      if (field) {
        field.addEventListener("focus", function () {
          target = field;
        });
      }
    });
    document.querySelectorAll("[data-insert]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var text = button.getAttribute("data-insert");
        if (!target) {
          return;
        }
        var start = target.selectionStart === null ? target.value.length : target.selectionStart;
        var end = target.selectionEnd === null ? start : target.selectionEnd;
        target.setRangeText(text, start, end, "end");
        target.dispatchEvent(new Event("input", { bubbles: true }));
        target.focus();
        if (status) {
          status.textContent = message.replace("%s", text);
        }
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
