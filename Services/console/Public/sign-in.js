// The placeholder page's only script: sign in with JSON (the console refuses form posts), show
// who is signed in, sign out with the session's CSRF token. No token is ever stored by the page.
"use strict";
const form = document.getElementById("sign-in");
const signedIn = document.getElementById("signed-in");
const message = document.getElementById("message");
let csrfToken = null;

function show(session) {
  csrfToken = session ? session.csrfToken : null;
  form.hidden = !!session;
  signedIn.hidden = !session;
  document.getElementById("who").textContent = session
    ? `${session.user.name}（${session.user.login}，${session.user.role}，${session.user.scope}）` : "";
}

async function errorText(response) {
  try { return (await response.json()).error.message; } catch { return `HTTP ${response.status}`; }
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const data = new FormData(form);
  const response = await fetch("/session", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ login: data.get("login"), password: data.get("password") }),
  });
  if (response.ok) { show(await response.json()); message.textContent = "登录成功"; }
  else if (response.status === 429) { message.textContent = `尝试次数过多，请 ${response.headers.get("Retry-After")} 秒后再试`; }
  else { message.textContent = `登录失败：${await errorText(response)}`; }
});

document.getElementById("sign-out").addEventListener("click", async () => {
  const response = await fetch("/session", { method: "DELETE", headers: { "X-CSRF-Token": csrfToken || "" } });
  if (response.status === 204) { show(null); message.textContent = "已退出"; }
  else { message.textContent = `退出失败：${await errorText(response)}`; }
});

fetch("/session").then(async (response) => { if (response.ok) show(await response.json()); });
