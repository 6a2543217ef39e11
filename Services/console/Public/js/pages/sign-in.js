// Sign-in: JSON only (the console refuses form posts); a held account or address says how long.
"use strict";
import { t } from "../i18n.js";
import { signIn } from "../api.js";
import { el, problemText } from "../ui.js";

export default {
  render(view) {
    const message = el("p", { id: "sign-in-message", class: "message", role: "alert" });
    const login = el("input", { name: "login", id: "login", autocomplete: "username", required: true, autofocus: true });
    const password = el("input", { name: "password", id: "password", type: "password", autocomplete: "current-password", required: true });
    const button = el("button", { type: "submit", class: "primary", id: "sign-in-button" }, t("signin.submit"));
    const form = el("form", { id: "sign-in", class: "panel sign-in" },
      el("h1", {}, t("app.title")),
      el("p", { class: "note" }, t("signin.note")),
      el("label", { for: "login" }, t("signin.login")), login,
      el("label", { for: "password" }, t("signin.password")), password,
      button, message);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      button.disabled = true;
      message.textContent = "";
      try {
        await signIn(login.value.trim(), password.value);
      } catch (error) {
        password.value = "";
        if (error.status === 429) message.textContent = t("signin.throttled", { seconds: error.retryAfter ?? "?" });
        else if (error.status === 401) message.textContent = t("signin.invalid");
        else message.textContent = problemText(error);
      } finally {
        button.disabled = false;
      }
    });
    view.append(form);
    login.focus();
  },
};
