// The notebooks' SMART server and client modules (notebooks/lib/), loaded in-process. They are
// written for tslab (extensionless imports), so they are loaded by path at run time and typed
// here by the parts the tests use.
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { tsImport } from "tsx/esm/api";
import { projectRoot } from "./project-copy.js";

export type ClientAuthentication =
  | { method: "none" }
  | { method: "client_secret_basic"; secret: string }
  | { method: "private_key_jwt"; jwks?: { keys: object[] }; jwksUrl?: string };

export interface ClientRegistration {
  clientId: string;
  redirectUris: string[];
  scopes: string[];
  authentication: ClientAuthentication;
  idTokenSigningAlg?: "RS256" | "RS384";
}

export interface SmartServer {
  readonly issuer: string;
  readonly fhirBase: string;
  readonly authorizeUrl: string;
  readonly tokenUrl: string;
  readonly introspectionUrl: string;
  readonly jwksUrl: string;
  readonly port: number;
  now(): number;
  advance(seconds: number): void;
  close(): Promise<void>;
}

export interface HttpRequest {
  method: "GET" | "POST";
  url: string;
  headers?: Record<string, string>;
  form?: URLSearchParams;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

interface ServerModule {
  startSmartServer(options: {
    publicBase?: string;
    serverKeyFile: string;
    idTokenKeyFile?: string;
    clients: ClientRegistration[];
    startTime: number;
    systemClock?: boolean;
    patient: string;
    fhirUser: string;
  }): Promise<SmartServer>;
}

interface ClientModule {
  pkce(verifier: string): { verifier: string; challenge: string };
  send(server: SmartServer, request: HttpRequest): Promise<HttpResponse>;
}

const lib = (name: string): string => pathToFileURL(join(projectRoot, "notebooks", "lib", `${name}.ts`)).href;

// TypeScript sources, imported through tsx whether the tests run compiled or not.
export const serverModule = (): Promise<ServerModule> => tsImport(lib("server"), import.meta.url) as Promise<ServerModule>;
export const clientModule = (): Promise<ClientModule> => tsImport(lib("client"), import.meta.url) as Promise<ClientModule>;
