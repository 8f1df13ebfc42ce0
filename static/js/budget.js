/*
 * Budget prévisionnel: live totals of charges and produits while typing, and the gap.
 *
 * No inline script (the Content-Security-Policy forbids it). Rows added by htmx
 * ("Ajouter une ligne") are picked up because the listeners sit on the form. A row whose
 * "Supprimer" box is ticked no longer counts. The server recomputes everything on save:
 * these figures only help while typing.
 */
(function () {
  "use strict";

  var euros = new Intl.NumberFormat("fr-FR", { style: "currency", currency: "EUR" });

  function amount(input) {
    var value = parseFloat(String(input.value || "").replace(/\s/g, "").replace(",", "."));
    return isFinite(value) ? Math.round(value * 100) : 0; // in cents, to add without rounding errors
  }

  function sideTotal(form, side) {
    var body = form.querySelector('[data-budget-side="' + side + '"]');
    if (!body) {
      return 0;
    }
    var total = 0;
    body.querySelectorAll(".portail-budget-row").forEach(function (row) {
      var remove = row.querySelector('input[name$="-DELETE"]');
      var input = row.querySelector('input[name$="-amount_planned"]');
      if (input && !(remove && remove.checked)) {
        total += amount(input);
      }
    });
    return total;
  }

  function refresh(form) {
    var charges = sideTotal(form, "charges");
    var produits = sideTotal(form, "produits");
    [["charges", charges], ["produits", produits]].forEach(function (pair) {
      var output = document.querySelector('[data-budget-total="' + pair[0] + '"]');
      if (output) {
        output.textContent = euros.format(pair[1] / 100);
      }
    });
    var gap = document.querySelector("[data-budget-gap]");
    if (!gap) {
      return;
    }
    if (charges === produits) {
      gap.textContent = charges ? "Saisie en cours : le budget est équilibré." : "";
    } else if (charges > produits) {
      gap.textContent = "Saisie en cours : il manque " + euros.format((charges - produits) / 100) + " de produits.";
    } else {
      gap.textContent =
        "Saisie en cours : les produits dépassent les charges de " + euros.format((produits - charges) / 100) + ".";
    }
  }

  document.querySelectorAll("[data-budget-form]").forEach(function (form) {
    form.addEventListener("input", function () {
      refresh(form);
    });
    form.addEventListener("change", function () {
      refresh(form);
    });
    document.body.addEventListener("htmx:afterSwap", function () {
      refresh(form);
    });
    refresh(form);
  });
})();
