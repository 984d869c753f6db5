// A refusal the server sends as an OAuth 2.0 error body.

export type OAuthErrorCode =
  | "invalid_request"
  | "invalid_client"
  | "invalid_grant"
  | "unauthorized_client"
  | "unsupported_grant_type"
  | "unsupported_response_type"
  | "invalid_scope"
  | "invalid_token";

export class OAuthError extends Error {
  constructor(readonly error: OAuthErrorCode, description: string) {
    super(description);
  }
  /** invalid_client and invalid_token are authentication failures (401); the others are bad requests (400). */
  get status(): number {
    return this.error === "invalid_client" || this.error === "invalid_token" ? 401 : 400;
  }
  get body(): { error: string; error_description: string } {
    return { error: this.error, error_description: this.message };
  }
}
