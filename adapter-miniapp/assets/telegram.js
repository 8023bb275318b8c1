// What both pages share: Telegram's launch data, the theme, Telegram's
// main and back buttons, the API call and a small DOM helper. Nothing is
// loaded from another host: when Telegram's own script has not set up
// `window.Telegram.WebApp`, the page reads the launch data from the URL's
// fragment, where Telegram always puts it (`tgWebAppData`,
// `tgWebAppThemeParams`), and speaks Telegram's web events protocol itself
// (core.telegram.org/api/web-events): `TelegramWebviewProxy.postEvent` in
// the apps, `postMessage` to web.telegram.org in the web client, and
// `Telegram.WebView.receiveEvent` for what the client sends back.

const launch = new URLSearchParams(location.hash.slice(1));
const WEB_CLIENT = "https://web.telegram.org";

function postEvent(type, data = {}) {
  if (window.TelegramWebviewProxy?.postEvent) {
    window.TelegramWebviewProxy.postEvent(type, JSON.stringify(data));
  } else if (window.parent !== window) {
    window.parent.postMessage(JSON.stringify({ eventType: type, eventData: data }), WEB_CLIENT);
  }
}

const handlers = new Map();
function receive(type, data) {
  for (const handler of handlers.get(type) ?? []) handler(data);
}
function on(type, handler) {
  handlers.set(type, [...(handlers.get(type) ?? []), handler]);
}

// Telegram.WebApp's main and back buttons, over web events.
function bridge(data) {
  window.Telegram = window.Telegram ?? {};
  window.Telegram.WebView = { ...window.Telegram.WebView, receiveEvent: receive };
  window.addEventListener("message", (event) => {
    if (event.origin !== WEB_CLIENT) return;
    try {
      const { eventType, eventData } = JSON.parse(event.data);
      receive(eventType, eventData);
    } catch {
      // Not one of Telegram's events.
    }
  });
  // Telegram answers a contact request with `phone_requested`; its status
  // is "sent" when the user shared their number with the bot.
  let contactAnswer = null;
  on("phone_requested", (data) => {
    const answer = contactAnswer;
    contactAnswer = null;
    answer?.(data?.status === "sent");
  });
  const main = { text: "", isVisible: false };
  const syncMain = () => postEvent("web_app_setup_main_button",
    { is_visible: main.isVisible, is_active: true, text: main.text });
  return {
    initData: data,
    initDataUnsafe: { user: JSON.parse(new URLSearchParams(data).get("user") || "null") },
    colorScheme: launch.get("tgWebAppColorScheme"),
    ready: () => postEvent("web_app_ready"),
    expand: () => postEvent("web_app_expand"),
    MainButton: {
      setText(text) { main.text = text; syncMain(); },
      show() { main.isVisible = true; syncMain(); },
      hide() { main.isVisible = false; syncMain(); },
      onClick: (handler) => on("main_button_pressed", handler),
    },
    requestContact(callback) {
      contactAnswer = callback;
      postEvent("web_app_request_phone");
    },
    BackButton: {
      show: () => postEvent("web_app_setup_back_button", { is_visible: true }),
      hide: () => postEvent("web_app_setup_back_button", { is_visible: false }),
      onClick: (handler) => on("back_button_pressed", handler),
    },
  };
}

const fragmentData = launch.get("tgWebAppData") || "";
const insideTelegram = Boolean(window.TelegramWebviewProxy) || (fragmentData && window.parent !== window);

export const tg = window.Telegram?.WebApp ?? (insideTelegram ? bridge(fragmentData) : undefined);
export const initData = tg?.initData || fragmentData;
export const user = tg?.initDataUnsafe?.user
  ?? JSON.parse(new URLSearchParams(initData).get("user") || "null");
export const lang = (user?.language_code || navigator.language || "en").toLowerCase().startsWith("ru") ? "ru" : "en";
export const launchParam = (name) => launch.get(name);

// Telegram's contact request: Telegram asks the user, then sends their
// number to the bot as a message (never to the page); the bot keeps it on
// their record, where `GET me` reads it. Resolves whether they shared it.
export const canRequestPhone = typeof tg?.requestContact === "function";
export function requestPhone() {
  return new Promise((resolve) => tg.requestContact((shared) => resolve(Boolean(shared))));
}

function themeParams() {
  if (tg?.themeParams) return tg.themeParams;
  // The fragment's, when the bridge (not Telegram's script) runs.
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
