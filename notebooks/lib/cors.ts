// Cross-origin access for browser apps (app-launch.md, "Considerations for CORS support"): the
// public discovery endpoints to any origin; the token endpoint and the FHIR API to the origins of
// the clients' registered redirect URIs.

export interface CorsRule {
  origins: "any" | "registered";
  /** The methods the path answers, for a preflight. */
  methods: string;
}

/** The value of Access-Control-Allow-Origin for this request's Origin, or undefined: no access. */
export function allowedOrigin(rule: CorsRule, origin: string | undefined, registered: ReadonlySet<string>): string | undefined {
  if (rule.origins === "any") return "*";
  return origin !== undefined && registered.has(origin) ? origin : undefined;
}

/** Headers of an actual response: the allowed origin, and the headers a script may read. */
export function corsHeaders(rule: CorsRule, origin: string | undefined): Record<string, string> {
  return {
    ...(rule.origins === "registered" ? { Vary: "Origin" } : {}),
    ...(origin !== undefined ? { "Access-Control-Allow-Origin": origin, "Access-Control-Expose-Headers": "WWW-Authenticate" } : {}),
  };
}

/** Headers of the answer to a preflight (OPTIONS); none of the Access-Control ones for an origin not allowed. */
export function preflight(rule: CorsRule, origin: string | undefined): Record<string, string> {
  return {
    ...(rule.origins === "registered" ? { Vary: "Origin" } : {}),
    ...(origin !== undefined
      ? {
          "Access-Control-Allow-Origin": origin,
          "Access-Control-Allow-Methods": `${rule.methods}, OPTIONS`,
          "Access-Control-Allow-Headers": "Authorization, Content-Type, Accept",
          "Access-Control-Max-Age": "600",
        }
      : {}),
  };
}
