/* Ordning: a form kept across signing in again (signin.keep_form, issue 9).
   On the page "Du behöver logga in igen" the form the person sent is put in this tab's sessionStorage; back on
   a page with the same form, signed in as the same person, it is filled in again and they are told so, to
   check it and send it. Nothing leaves the tab, and the tab's storage is gone when the tab is closed. */
(function () {
  'use strict';
  var KEY = 'ordning-utkast';
  var MAX_AGE = 8 * 3600 * 1000; /* a working day, as the session */

  function storage() {
    try { return window.sessionStorage; } catch (e) { return null; }
  }

  function keep(store) {
    var kept = document.getElementById('utkast');
    if (!kept) return;
    var fields = [];
    Array.prototype.forEach.call(kept.elements, function (el) { fields.push([el.name, el.value]); });
    store.setItem(KEY, JSON.stringify({action: kept.getAttribute('data-action'),
      person: kept.getAttribute('data-person'), fields: fields, at: Date.now()}));
  }

  function sentTo(form) {
    return new URL(form.getAttribute('action') || window.location.href, window.location.href).pathname;
  }

  function fill(form, fields) {
    var values = {};
    fields.forEach(function (pair) {
      if (pair[0] !== 'csrf_token') (values[pair[0]] = values[pair[0]] || []).push(pair[1]);
    });
    Object.keys(values).forEach(function (name) {
      var taken = 0;
      Array.prototype.forEach.call(form.elements, function (el) {
        if (el.name !== name) return;
        if (el.type === 'radio' || el.type === 'checkbox') {
          el.checked = values[name].indexOf(el.value) !== -1;
        } else if (el.tagName === 'SELECT' && el.multiple) {
          Array.prototype.forEach.call(el.options, function (o) { o.selected = values[name].indexOf(o.value) !== -1; });
        } else if (taken < values[name].length) {
          el.value = values[name][taken++];
        }
      });
    });
  }

  function restore(store) {
    var person = document.body.getAttribute('data-person');
    var text = store.getItem(KEY);
    if (!text || !person) return; /* not signed in yet: kept for after signing in */
    var draft = null;
    try { draft = JSON.parse(text); } catch (e) { draft = null; }
    if (!draft || !draft.fields || (draft.person && draft.person !== person) || Date.now() - draft.at > MAX_AGE) {
      store.removeItem(KEY); /* someone else signed in, or too old: it is not theirs to see */
      return;
    }
    var form = Array.prototype.filter.call(document.forms, function (f) {
      return f.method === 'post' && sentTo(f) === draft.action;
    })[0];
    if (!form) return; /* not the form's page (yet) */
    store.removeItem(KEY);
    fill(form, draft.fields);
    var notice = document.createElement('div');
    notice.className = 'notice';
    notice.id = 'utkast-ifyllt';
    notice.setAttribute('role', 'status');
    notice.tabIndex = -1;
    var p = document.createElement('p');
    p.textContent = 'Du är inloggad igen. Det du skrev är ifyllt. Kontrollera det och skicka igen.';
    notice.appendChild(p);
    form.parentNode.insertBefore(notice, form);
    notice.focus();
  }

  function start() {
    var store = storage();
    if (!store) return;
    keep(store);
    restore(store);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
}());
