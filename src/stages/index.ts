import { privateKeysCheck } from "../guard/private-keys.js";
import { htmlRenderer } from "../render/html.js";
import { markdownRenderer } from "../render/markdown.js";
import { knownSecretsCheck } from "../guard/known-secrets-check.js";
import { coalesceStreamsStage } from "../stabilize/coalesce-streams.js";
import { relativePathsStage } from "../stabilize/paths.js";
import { keptSignaturesStage } from "../stabilize/signatures.js";
import { tokensCheck } from "../tokens/check-notebook.js";
import { tagRemoveStage } from "../render/tag-remove.js";
import type { OutputCheck, PagePreprocessor, Renderer, Stabilizer } from "./types.js";

/** Run in order on a freshly executed notebook: streams merged as nbconvert does, then paths, then signatures. */
export const STABILIZERS: readonly Stabilizer[] = [coalesceStreamsStage, relativePathsStage, keptSignaturesStage];

/** Run in order on the stabilized notebook: what the page shows of it, which the checks and renderers see. */
export const PAGE_PREPROCESSORS: readonly PagePreprocessor[] = [tagRemoveStage];

/** Every check runs and every finding is reported; any finding fails the notebook. */
export const CHECKS: readonly OutputCheck[] = [knownSecretsCheck, privateKeysCheck, tokensCheck];

/** The page's formats; a renderer sees the files of those before it. */
export const RENDERERS: readonly Renderer[] = [markdownRenderer, htmlRenderer];
