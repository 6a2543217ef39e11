// The city's reference data as the pages need it (names of classes, departments and areas, the
// filing conditions), fetched once per page load from grid-routing's GET /api/v1/reference.
// Codes stay readable when it cannot be loaded: every name falls back to its code.
"use strict";
import { api } from "./api.js";
import { currentLanguage } from "./i18n.js";

let loaded = null;

/** Resolves with the reference (or an empty one when grid-routing cannot be reached). */
export function loadReference() {
  if (!loaded) {
    loaded = api.get("grid-routing", "reference").then(index, () => { loaded = null; return index({}); });
  }
  return loaded;
}

function index(body) {
  const byCode = (items, key = "code") => new Map((items || []).map((item) => [item[key], item]));
  const reference = {
    version: body.version || null,
    classes: byCode((body.classes || []).map((item) => ({ ...item, key: `${item.kind}:${item.code}` })), "key"),
    departments: byCode(body.departments),
    districts: byCode(body.districts),
    streets: byCode(body.streets),
    communities: byCode(body.communities),
    filingConditions: body.filingConditions || [],
  };
  const english = currentLanguage() === "en";
  reference.className = (kind, code) => {
    const item = reference.classes.get(`${kind}:${code}`);
    return item ? `${code} ${english ? item.nameEn || item.nameZh : item.nameZh}` : code || "—";
  };
  reference.departmentName = (code) => reference.departments.get(code)?.name || code || "—";
  reference.districtName = (code) => reference.districts.get(code)?.name || code || "—";
  reference.streetName = (code) => reference.streets.get(code)?.name || code || "—";
  reference.communityName = (code) => reference.communities.get(code)?.name || code || "—";
  /** The filing conditions of one class, for the filing dialog. */
  reference.conditionsOf = (kind, classCode) => reference.filingConditions.filter((item) => item.kind === kind && item.classCode === classCode);
  return reference;
}
