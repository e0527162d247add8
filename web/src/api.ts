// api: the console's one way to the daemon. Each call is one Envelope POSTed
// to /api/v2/rpc and one Envelope back (README "Web console"); the session is
// the HttpOnly cookie the login set, and every call carries the CSRF token
// the login answered (kept in sessionStorage, for this tab only).
import { create, fromBinary, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import {
  Code,
  EnvelopeSchema,
  type Envelope,
  type FieldViolation,
  type Identity,
} from "./gen/yanxiu_pb";
import { lang, t } from "./i18n";

type Body = Envelope["body"];
export type Case = NonNullable<Body["case"]>;
export type ValueOf<C extends Case> = Extract<Body, { case: C }>["value"];
type ReqBody = NonNullable<MessageInitShape<typeof EnvelopeSchema>["body"]>;

/** A refused or failed call: the daemon's Error, or what the console could tell. */
export class RpcError extends Error {
  constructor(
    message: string,
    readonly code: Code,
    readonly reason: string,
    readonly violations: FieldViolation[] = [],
    /** the request may or may not have been carried out (look before repeating it) */
    readonly outcomeUnknown = false,
  ) {
    super(message);
  }
}

const CSRF = "yanxiu.csrf";
const IDENTITY = "yanxiu.identity";
let nextId = 1n;
let onSessionLost: (() => void) | null = null;

/** Called when the daemon says the session is gone (expired, logged out elsewhere). */
export function setSessionLostHandler(fn: () => void): void {
  onSessionLost = fn;
}

export interface Me {
  user: string;
  role: string; /* school | district | admin */
  district: string;
  unit: string;
}

export function me(): Me | null {
  const s = sessionStorage.getItem(IDENTITY);
  return s && sessionStorage.getItem(CSRF) ? (JSON.parse(s) as Me) : null;
}

function roleCode(id: Identity | undefined): string {
  return ["", "admin", "district", "school"][id?.role ?? 0] ?? "";
}

/** The connection failed, before the answer or while it was read: a write may have been done. */
function connectionBroke(mayHaveRun: boolean): RpcError {
  return new RpcError(
    mayHaveRun ? t("err_outcome_unknown") : t("err_network"),
    Code.UNAVAILABLE,
    mayHaveRun ? "outcome_unknown" : "network",
    [],
    mayHaveRun,
  );
}

async function post(env: Envelope, mayHaveRun: boolean): Promise<Envelope> {
  const headers: Record<string, string> = {
    "Content-Type": "application/x-protobuf",
    "X-Yanxiu-Language": lang(),
  };
  const csrf = sessionStorage.getItem(CSRF);
  if (csrf) headers["X-Yanxiu-Csrf"] = csrf;
  let resp: Response;
  try {
    resp = await fetch("/api/v2/rpc", {
      method: "POST",
      headers,
      body: toBinary(EnvelopeSchema, env) as Uint8Array<ArrayBuffer>,
      credentials: "same-origin",
      cache: "no-store",
    });
  } catch {
    throw connectionBroke(mayHaveRun);
  }
  if (!resp.ok) {
    let code = "http_" + resp.status;
    let message = t("err_http", { status: resp.status });
    try {
      const j = (await resp.json()) as { code?: string; message?: string };
      code = j.code ?? code;
      message = j.message ?? message;
    } catch {
      /* not our JSON (a proxy's page): keep the status */
    }
    throw new RpcError(message, resp.status === 403 ? Code.PERMISSION_DENIED : Code.INVALID_ARGUMENT, code);
  }
  let body: ArrayBuffer;
  try {
    body = await resp.arrayBuffer();
  } catch {
    // the connection broke while the answer was being read: the call may have been done
    throw connectionBroke(mayHaveRun);
  }
  return fromBinary(EnvelopeSchema, new Uint8Array(body));
}

/**
 * Sends the request `body` and answers the reply's value, which must be of
 * the case `reply`; an Error answer is thrown as RpcError. `write` marks a
 * request that changes something: if the network fails after sending it,
 * the error says the outcome is unknown.
 */
export async function rpc<R extends Case>(body: ReqBody, reply: R, write = false): Promise<ValueOf<R>> {
  const env = create(EnvelopeSchema, { requestId: nextId++, body });
  const ans = await post(env, write);
  if (ans.body.case === "error") {
    const e = ans.body.value;
    if (e.code === Code.UNAUTHENTICATED && body.case !== "login") {
      forget();
      onSessionLost?.();
    }
    throw new RpcError(e.message, e.code, e.reason, e.violations, e.outcomeUnknown);
  }
  if (ans.body.case !== reply) throw new RpcError(t("err_unexpected"), Code.INTERNAL, "unexpected_answer");
  return ans.body.value as ValueOf<R>;
}

/** Logs in: the daemon sets the session cookie and answers the CSRF token. */
export async function login(user: string, password: string): Promise<Me> {
  const r = await rpc({ case: "login", value: { user, password } }, "loginReply");
  const m: Me = {
    user: r.identity?.user ?? user,
    role: roleCode(r.identity),
    district: r.identity?.districtCode ?? "",
    unit: r.identity?.unitCode ?? "",
  };
  sessionStorage.setItem(CSRF, r.csrfToken);
  sessionStorage.setItem(IDENTITY, JSON.stringify(m));
  return m;
}

function forget(): void {
  sessionStorage.removeItem(CSRF);
  sessionStorage.removeItem(IDENTITY);
}

/** Ends the session in the daemon (which clears the cookie) and here. */
export async function logout(): Promise<void> {
  try {
    await rpc({ case: "logout", value: {} }, "logoutReply", true);
  } finally {
    forget();
  }
}
