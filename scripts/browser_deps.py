"""Install Debian's Chromium for the browser tests when it is missing.

Playwright's own browser download cannot run here, so the tests launch
/usr/bin/chromium. Installing needs root and apt; without them this
prints what to install and the browser tests fail rather than skip.
"""

import os
import shutil
import subprocess
import sys

CHROMIUM = "/usr/bin/chromium"


def main() -> int:
    if os.path.exists(CHROMIUM):
        return 0
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        print(f"{CHROMIUM} is missing; install Debian's chromium package "
              "(sudo apt-get install chromium)", file=sys.stderr)
        return 0
    print("installing chromium from Debian's packages for the browser tests")
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=True,
                   env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
