/** The bundle path does not exist or holds no evidence file the engine recognises. */
export class EvidenceNotFoundError extends Error {
  override readonly name = 'EvidenceNotFoundError';
}
