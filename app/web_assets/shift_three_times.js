  // Included into chat.js and notes.js where their `// @include shift_three_times.js` line is
  // (app/channels/webchat_assets.py), inside each one's own closure: one copy to keep right.
  // Shift pressed three times within a second calls `then` (quick exit), also while typing.
  // Shift held to type a capital letter does not count: any other key while Shift is down
  // cancels that press.
  function onShiftThreeTimes(then) {
    var shiftPresses = [];
    var shiftAlone = false;
    document.addEventListener("keydown", function (event) {
      if (event.key === "Shift") {
        if (!event.repeat) { shiftAlone = true; }
        return;
      }
      shiftAlone = false;
      shiftPresses = [];
    }, true);
    document.addEventListener("keyup", function (event) {
      if (event.key !== "Shift") { return; }
      if (!shiftAlone) { return; }
      shiftAlone = false;
      var now = performance.now();
      shiftPresses = shiftPresses.filter(function (t) { return now - t < 1000; });
      shiftPresses.push(now);
      if (shiftPresses.length >= 3) { then(event); }
    }, true);
  }
