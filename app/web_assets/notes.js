// The guidance page (/notes). Served inline with its hash in the page's CSP, like chat.js; the
// page works without it, its quick exit then a plain link. With it, quick exit replaces this
// history entry, so Back does not return here, and Shift pressed three times leaves too.
// (As chat.js's quickExit, without the chat's token; Shift x3 is the same included code.)
(function () {
  "use strict";
  var root = document.documentElement;
  var link = document.getElementById("quick-exit");
  var exited = false;
  root.classList.add("js");

  function quickExit(event) {
    if (exited) { return; }
    exited = true;
    if (event && event.preventDefault) { event.preventDefault(); }
    root.setAttribute("data-exited", "");
    document.body.textContent = "";
    window.location.replace(link.href);
  }

  // @include shift_three_times.js
  onShiftThreeTimes(quickExit);

  link.addEventListener("click", quickExit);
})();
