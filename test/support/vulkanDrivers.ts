/**
 * "No Vulkan driver" made by the test itself rather than assumed of the machine: the Vulkan loader
 * reads its driver (ICD) list from these variables when set, so an empty list hides every driver,
 * lavapipe included, from Dawn. Read at each Dawn instance, so it works inside one process too.
 */
const NO_ICD = '/nonexistent/training-runs-no-vulkan-driver.json';

export const NO_VULKAN_DRIVERS: Readonly<Record<string, string>> = {
  VK_DRIVER_FILES: NO_ICD,
  VK_ICD_FILENAMES: NO_ICD,
};

/** Mocha hooks for the enclosing describe: no Vulkan driver in this process while it runs. */
export function withoutVulkanDrivers(): void {
  const before: Record<string, string | undefined> = {};
  globalThis.before(() => {
    for (const [key, value] of Object.entries(NO_VULKAN_DRIVERS)) {
      before[key] = process.env[key];
      process.env[key] = value;
    }
  });
  globalThis.after(() => {
    for (const key of Object.keys(NO_VULKAN_DRIVERS)) {
      if (before[key] === undefined) delete process.env[key];
      else process.env[key] = before[key];
    }
  });
}
