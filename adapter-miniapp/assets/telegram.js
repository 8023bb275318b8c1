// What both pages share: Telegram's launch data, the theme, the API call
// and a small DOM helper. Inside Telegram the page gets its launch data
// from `window.Telegram.WebApp` when Telegram's script provides it, else
// from the URL's fragment, where Telegram always puts it (`tgWebAppData`,
// `tgWebAppThemeParams`). Nothing is loaded from another host.

const launch = new URLSearchParams(location.hash.slice(1));

export const tg = window.Telegram?.WebApp;
export const initData = tg?.initData || launch.get("tgWebAppData") || "";
export const user = tg?.initDataUnsafe?.user
  ?? JSON.parse(new URLSearchParams(initData).get("user") || "null");
export const lang = (user?.language_code || navigator.language || "en").toLowerCase().startsWith("ru") ? "ru" : "en";
export const launchParam = (name) => launch.get(name);

function themeParams() {
  if (tg?.themeParams) return tg.themeParams;
  try {
    return JSON.parse(launch.get("tgWebAppThemeParams") || "{}");
  } catch {
    return {};
  }
}

// Telegram's colours as CSS variables, and its light or dark scheme.
export function applyTheme() {
  const params = themeParams();
  const names = { bg_color: "bg", text_color: "text", hint_color: "hint", button_color: "button",
    button_text_color: "button-text", secondary_bg_color: "secondary-bg" };
  for (const [key, name] of Object.entries(names)) {
    if (params[key]) document.documentElement.style.setProperty(`--tg-${name}`, params[key]);
  }
  const scheme = tg?.colorScheme || launch.get("tgWebAppColorScheme");
  document.documentElement.classList.toggle("dark", scheme === "dark");
}

// Calls the API under `base`; a refusal throws its message, in the
// reader's language.
export function client(base, fallback) {
  return async (method, path, body) => {
    const headers = { Authorization: `tma ${initData}` };
    if (body) headers["Content-Type"] = "application/json";
    const response = await fetch(`${base}${path}`, { method, headers, body: body && JSON.stringify(body) });
    const json = await response.json().catch(() => null);
    if (!response.ok) throw new Error(json?.title || fallback);
    return json;
  };
}

// An element with properties, data attributes, listeners and children;
// text is always text, never HTML.
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "dataset") Object.assign(node.dataset, value);
    else if (key === "style") Object.assign(node.style, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node[key] = value;
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}
