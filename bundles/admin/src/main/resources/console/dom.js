// Small helpers to build the page with text nodes only (never innerHTML: nothing the server or a
// message says can become markup).
export function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  Object.entries(attributes || {}).forEach(([name, value]) => {
    if (value === undefined || value === null || value === false) {
      return;
    }
    if (name === 'dataset') {
      Object.entries(value).forEach(([k, v]) => { node.dataset[k] = String(v); });
    } else if (name === 'onclick') {
      node.addEventListener('click', value);
    } else if (name === 'className') {
      node.className = value;
    } else {
      node.setAttribute(name, value === true ? '' : String(value));
    }
  });
  children.flat().forEach((c) => {
    if (c === undefined || c === null) {
      return;
    }
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  });
  return node;
}

export function rows(table, list, render, empty) {
  const body = document.querySelector(`#${table} tbody`);
  body.replaceChildren();
  if (list.length === 0) {
    const columns = document.querySelectorAll(`#${table} thead th`).length;
    body.append(el('tr', { className: 'empty' }, el('td', { colspan: columns }, empty || 'none')));
    return;
  }
  list.forEach((item) => body.append(render(item)));
}

export function cell(...children) {
  return el('td', {}, ...children);
}

export function button(label, onclick, className) {
  return el('button', { type: 'button', onclick, className }, label);
}

export function age(seconds) {
  if (seconds === null || seconds === undefined) {
    return '-';
  }
  if (seconds < 120) {
    return `${seconds} s`;
  }
  if (seconds < 7200) {
    return `${Math.round(seconds / 60)} min`;
  }
  return `${(seconds / 3600).toFixed(1)} h`;
}

let statusTimer = null;

/** Says what happened in the status line (read out by screen readers); errors stay until the next message. */
export function say(text, isError) {
  const status = document.getElementById('status');
  status.textContent = text;
  status.className = isError ? 'error' : 'ok';
  clearTimeout(statusTimer);
  if (!isError) {
    statusTimer = setTimeout(() => { status.textContent = ''; }, 8000);
  }
}
