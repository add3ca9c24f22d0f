/** Where optimised BLAS libraries are found on each platform, and how to get one. */

export interface BlasCandidate {
  library: string;
  /** Accept only if it is OpenBLAS: a generic name may be the slow Netlib reference BLAS. */
  onlyIfOpenBlas: boolean;
}

const optimised = (library: string): BlasCandidate => ({ library, onlyIfOpenBlas: false });

export function blasCandidates(platform: NodeJS.Platform): BlasCandidate[] {
  switch (platform) {
    case 'darwin':
      // Accelerate ships with macOS and exports cblas_sgemm.
      return [optimised('/System/Library/Frameworks/Accelerate.framework/Accelerate'), optimised('libopenblas.dylib')];
    case 'win32':
      return [optimised('libopenblas.dll'), optimised('mkl_rt.2.dll')];
    default:
      return [
        optimised('libopenblas.so.0'),
        optimised('libopenblas.so'),
        optimised('libmkl_rt.so.2'),
        optimised('libmkl_rt.so'),
        optimised('libblis.so.4'),
        { library: 'libblas.so.3', onlyIfOpenBlas: true },
      ];
  }
}

export function installHint(platform: NodeJS.Platform): string {
  switch (platform) {
    case 'darwin':
      return 'Accelerate should always be present on macOS; or install OpenBLAS (brew install openblas) and give its path';
    case 'win32':
      return 'install OpenBLAS (libopenblas.dll on PATH) or Intel oneMKL (mkl_rt.2.dll on PATH)';
    default:
      return 'install libopenblas0 (Debian/Ubuntu: apt install libopenblas0-pthread; Fedora: dnf install openblas-serial) or give a library path';
  }
}
