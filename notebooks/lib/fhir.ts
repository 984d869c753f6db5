// A minimal FHIR R4 endpoint: one Patient and a few HbA1c Observations, read only, for a bearer
// token whose scopes allow it. Fixed data and ids, so its answers are the same on every run.
import type { AccessTokenCheck, Reply } from "./authorization";
import { systemMayRead } from "./backend-services";

export interface FhirConfig {
  fhirBase: string;
  patient: string;
  /** A time for Bundle.meta.lastUpdated: the server's clock. */
  now: () => number;
  /** The claims of an active access token of this server for this endpoint, or why it is refused. */
  checkAccessToken: (token: string) => Promise<AccessTokenCheck>;
}

const HBA1C = { system: "http://loinc.org", code: "4548-4", display: "Hemoglobin A1c/Hemoglobin.total in Blood" };

function patientResource(id: string): Record<string, unknown> {
  return {
    resourceType: "Patient",
    id,
    name: [{ family: "Shaw", given: ["Amy", "V."] }],
    gender: "female",
    birthDate: "1987-02-20",
  };
}

function observations(patient: string): Record<string, unknown>[] {
  const results: [string, string, number][] = [
    ["hba1c-1", "2024-04-02", 7.4],
    ["hba1c-2", "2024-08-06", 6.9],
    ["hba1c-3", "2024-12-03", 6.6],
  ];
  return results.map(([id, date, value]) => ({
    resourceType: "Observation",
    id,
    status: "final",
    code: { coding: [HBA1C] },
    subject: { reference: `Patient/${patient}` },
    effectiveDateTime: date,
    valueQuantity: { value, unit: "%", system: "http://unitsofmeasure.org", code: "%" },
  }));
}

function outcome(status: number, code: string, diagnostics: string, headers?: Record<string, string>): Reply {
  return {
    status,
    ...(headers ? { headers } : {}),
    body: { resourceType: "OperationOutcome", issue: [{ severity: "error", code, diagnostics }] },
  };
}

/** Whether a SMART scope list lets the token read `resource` in the patient compartment (v2 "rs" or v1 "read"). */
function mayRead(scopes: string[], resource: string): boolean {
  return scopes.some((scope) => {
    const match = /^(patient|user)\/(\*|[A-Za-z]+)\.(read|[cruds]+)$/.exec(scope);
    if (!match) return false;
    const [, , type, permissions] = match;
    const reads = permissions === "read" || (permissions!.includes("r") && permissions!.includes("s"));
    return (type === "*" || type === resource) && reads;
  });
}

export function createFhirEndpoint(config: FhirConfig) {
  const basePath = new URL(config.fhirBase).pathname;
  return async function handle(method: string, url: URL, authorization: string | undefined): Promise<Reply> {
    const bearer = /^Bearer (\S+)$/.exec(authorization ?? "")?.[1];
    // RFC 6750 §3.1: no credentials, a challenge without an error code; a bad token, error="invalid_token".
    if (bearer === undefined) {
      return outcome(401, "login", "a bearer access token is required", { "WWW-Authenticate": 'Bearer realm="fhir"' });
    }
    const check = await config.checkAccessToken(bearer);
    if ("problem" in check) {
      return outcome(401, "login", check.problem, {
        "WWW-Authenticate": `Bearer realm="fhir", error="invalid_token", error_description="${check.problem}"`,
      });
    }
    const { claims } = check;
    if (method !== "GET") return outcome(405, "not-supported", "this server is read-only");
    const scopes = String(claims.scope ?? "").split(" ");
    const path = url.pathname.slice(basePath.length);
    const patientRead = /^\/Patient\/([A-Za-z0-9.-]+)$/.exec(path);
    if (patientRead) {
      // A system token (backend services) reads any patient; a patient token only its own.
      const system = systemMayRead(scopes, "Patient");
      if (!system && !mayRead(scopes, "Patient")) return outcome(403, "forbidden", "the token's scopes do not allow reading Patient");
      if (!system && patientRead[1] !== claims.patient) return outcome(403, "forbidden", "the token is for another patient");
      if (patientRead[1] !== config.patient) return outcome(404, "not-found", `Patient/${patientRead[1]} is not known`);
      return { status: 200, body: patientResource(config.patient) };
    }
    if (path === "/Observation") {
      const system = systemMayRead(scopes, "Observation");
      if (!system && !mayRead(scopes, "Observation")) return outcome(403, "forbidden", "the token's scopes do not allow reading Observation");
      const patient = url.searchParams.get("patient");
      if (!system && patient !== claims.patient) return outcome(403, "forbidden", "the search must be for the token's patient");
      const code = url.searchParams.get("code");
      const found = observations(config.patient).filter(
        () => (patient === null || patient === config.patient) && (code === null || code === HBA1C.code || code === `${HBA1C.system}|${HBA1C.code}`),
      );
      // _sort=-date: newest first (the data is kept oldest first); _count: at most that many.
      if (url.searchParams.get("_sort") === "-date") found.reverse();
      const total = found.length;
      const count = Number(url.searchParams.get("_count") ?? found.length);
      if (Number.isInteger(count) && count >= 0) found.splice(count);
      return {
        status: 200,
        body: {
          resourceType: "Bundle",
          id: "search-1",
          meta: { lastUpdated: new Date(config.now() * 1000).toISOString() },
          type: "searchset",
          total,
          link: [{ relation: "self", url: `${config.fhirBase}/Observation${url.search}` }],
          entry: found.map((resource) => ({
            fullUrl: `${config.fhirBase}/Observation/${String(resource.id)}`,
            resource,
            search: { mode: "match" },
          })),
        },
      };
    }
    return outcome(404, "not-found", `no route for ${path}`);
  };
}
