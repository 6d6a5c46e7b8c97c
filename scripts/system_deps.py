"""Install the Debian packages the tests need when they are missing.

- chromium: the browser tests drive /usr/bin/chromium with Playwright,
  because Playwright's own browser download cannot run here.
- fonts-dejavu-core: shipping labels embed DejaVu Sans, which covers
  Latin, Greek and Cyrillic address text.
Installing needs root and apt-get; without them this prints what to
install, and the tests that need the package fail rather than skip.
"""

import os
import shutil
import subprocess
import sys

REQUIRED = {
    "chromium": "/usr/bin/chromium",
    "fonts-dejavu-core": "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
}


def main() -> int:
    missing = [name for name, path in REQUIRED.items() if not os.path.exists(path)]
    if not missing:
        return 0
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        print(f"missing Debian packages: {' '.join(missing)}; install them with "
              f"sudo apt-get install {' '.join(missing)}", file=sys.stderr)
        return 0
    print(f"installing {' '.join(missing)} from Debian's packages")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", *missing], check=True, env=env)
    return 0


if __name__ == "__main__":
    sys.exit(main())
