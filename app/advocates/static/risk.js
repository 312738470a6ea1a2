// The DASH form's running tally: how many "yes" answers, and whether they reach the MARAC
// threshold, said in a polite live region as the advocate answers. The server scores what is
// saved; this only helps while filling in the form. No network, no storage.
(function () {
  "use strict";
  var form = document.getElementById("risk-form");
  var tally = document.getElementById("risk-tally");
  if (!form || !tally) { return; }
  var threshold = parseInt(form.getAttribute("data-threshold"), 10);

  function update() {
    var yes = form.querySelectorAll('input[type="radio"][name^="q-"][value="yes"]:checked');
    var numbers = [];
    for (var i = 0; i < yes.length; i += 1) {
      var item = yes[i].closest("li");
      numbers.push(item ? item.getAttribute("value") : "?");
    }
    var text = yes.length + ' "yes" answer' + (yes.length === 1 ? "" : "s") + " so far.";
    if (yes.length >= threshold) {
      text += " MARAC threshold reached (" + threshold + '): "yes" to questions ' +
        numbers.join(", ") + ".";
      tally.className = "risk-tally risk-high";
    } else {
      text += " The MARAC threshold is " + threshold + ".";
      tally.className = "risk-tally";
    }
    tally.textContent = text;
  }

  form.addEventListener("change", update);
  update();
}());
