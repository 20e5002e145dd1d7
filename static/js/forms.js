// Forms with alternatives (a tool's type decides which settings it needs): the fields of the
// other alternatives are hidden while they do not apply. Without JavaScript they all show, each
// saying what it is for, and those that do not apply are ignored.
(function () {
  "use strict";

  function valueOf(form, name) {
    var checked = form.querySelector('[name="' + name + '"]:checked');
    if (checked) return checked.value;
    var field = form.querySelector('[name="' + name + '"]');
    return field && field.type !== "radio" && field.type !== "checkbox" ? field.value : "";
  }

  function refresh(form) {
    form.querySelectorAll(".field[data-when]").forEach(function (box) {
      var wanted = JSON.parse(box.dataset.when);
      box.hidden = !Object.keys(wanted).every(function (name) {
        return valueOf(form, name) === wanted[name];
      });
    });
  }

  window.Dashboard.onReady(function () {
    document.querySelectorAll("form[data-spec-form]").forEach(function (form) {
      refresh(form);
      form.addEventListener("change", function () { refresh(form); });
    });
  });
})();
