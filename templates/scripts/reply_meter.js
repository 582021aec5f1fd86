(function () {
  "use strict";
  // What the reply will cost as texts: the same count as chalicelib/notify/segments.py.
  var box = document.getElementById("reply-text"), meter = document.getElementById("reply-meter");
  if (!box || !meter) { return; }
  var gsm = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var extended = "^{}\\[~]|€\f";
  var most = parseInt(meter.dataset.most, 10), price = parseFloat(meter.dataset.price || "");
  function segments(text) {
    var chars = Array.from(text);
    var isGsm = chars.every(function (c) { return gsm.indexOf(c) >= 0 || extended.indexOf(c) >= 0; });
    var units = chars.reduce(function (sum, c) {
      return sum + (isGsm ? (extended.indexOf(c) >= 0 ? 2 : 1) : (c.codePointAt(0) > 0xFFFF ? 2 : 1));
    }, 0);
    var single = isGsm ? 160 : 70, part = isGsm ? 153 : 67;
    return units <= single ? 1 : Math.ceil(units / part);
  }
  function cost(count) {
    return isNaN(price) ? meter.dataset.noPrice : meter.dataset.currency + " " + (count * price).toFixed(2);
  }
  function update() {
    var words = box.value.trim(), length = Array.from(words).length;
    var count = segments(meter.dataset.prefix + words + meter.dataset.suffix);
    var long = count > most, sent = long ? parseInt(meter.dataset.linkSegments, 10) : count;
    meter.textContent = (long ? meter.dataset.long : meter.dataset.short)
      .replace("{length}", length).replace("{segments}", count).replace("{cost}", cost(sent));
    meter.classList.toggle("warning", long);
  }
  box.addEventListener("input", update);
  update();
}());
