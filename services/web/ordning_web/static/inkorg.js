/* Inkorgen: once "Visa fler" has added a group's next rows (htmx swaps them in out of band and replaces the link),
   the focus moves to the first of them, so that a keyboard or screen-reader user goes on where the new rows begin
   rather than from the top of the page. The server marks that row (data-forsta-nya). Listened for on the rows'
   swap: the link's own events happen on an element that is no longer in the page. */
(function () {
  'use strict';
  function focusFirstNew() {
    var first = document.querySelector('tr[data-forsta-nya]');
    if (!first) return;
    first.removeAttribute('data-forsta-nya');
    var link = first.querySelector('a');
    if (link) link.focus();
  }
  /* After the swap in progress is done (the link's own replacement comes after the rows'). */
  function soon() { window.setTimeout(focusFirstNew, 0); }
  document.addEventListener('htmx:oobAfterSwap', soon);
  document.addEventListener('htmx:afterSettle', soon);
}());
