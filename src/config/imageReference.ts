/**
 * The capture image rule, shared by the CAPTURE_IMAGE setting (src/config/settings.ts) and the capture Job's pull
 * policy (src/kube/captureJob.ts): only a reference pinned by digest, so what runs privileged on a node cannot
 * change under the same name. Pure, so configuration validates it without importing the Kubernetes adapter.
 */

/** `name[:tag]@sha256:<64 hex>`: an image reference pinned by digest. */
const PINNED_IMAGE =
  /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?@sha256:[a-f0-9]{64}$/;

/**
 * Why `image` is not an acceptable capture image, or null when it is pinned by digest
 * (`registry/repository[:tag]@sha256:<64 hex>`).
 *
 * @example pinnedImageProblem('mcr.microsoft.com/azurelinux/base/core:3.0') // 'is not pinned by digest ...'
 */
export function pinnedImageProblem(image: string): string | null {
  if (image.length > 512 || !PINNED_IMAGE.test(image)) {
    return 'is not an image reference pinned by digest (expected registry/repository[:tag]@sha256:<64 hex digits>)';
  }
  return null;
}
