// Checks JSON-LD files against the SHACL shapes of a compiled CASE/UCO ontology, offline.
//
// Usage: node validate_case.mjs ONTOLOGY.ttl DATA.jsonld [DATA.jsonld ...]
// Prints one line per validation result, "Severity | focus node | path | message", then
// "conforms: true|false {counts by severity}". Exit 0 when the data conforms, 1 when it does not,
// 2 on a usage or load error.
//
// CASE's own checker (case_validate in CASE-Utilities-Python, https://github.com/casework/
// CASE-Utilities-Python) runs pySHACL with the ontology as both shapes and ontology graph. This
// runner does the same with shacl-engine (SHACL and SHACL-SPARQL, https://www.w3.org/TR/shacl/):
// the ontology's rdfs:subClassOf triples are added to the data graph so that a shape targeting a
// class also reaches instances of its subclasses, and owl:imports are dropped because every
// imported ontology is already inside the compiled file. Packages: see package.json (pinned by
// package-lock.json, installed with `npm ci` by scripts/setup-node-validators.sh).
import rdf from '@zazuko/env-node'
import { Validator } from 'shacl-engine'
import { targetResolvers, validations } from 'shacl-engine/sparql.js'

const RDFS_SUBCLASS_OF = 'http://www.w3.org/2000/01/rdf-schema#subClassOf'
const OWL_IMPORTS = 'http://www.w3.org/2002/07/owl#imports'
const KB_PREFIX = 'http://example.org/kb/'

async function readGraph (path) {
  return rdf.dataset().import(rdf.fromFile(path))
}

function lastPart (iri) {
  const hash = iri.lastIndexOf('#')
  return hash >= 0 ? iri.slice(hash + 1) : iri
}

function describePath (path) {
  if (!Array.isArray(path)) return ''
  return path.map(step => (step.predicates || []).map(p => p.value).join(',')).join('/')
}

async function main (args) {
  if (args.length < 2) {
    console.error('usage: node validate_case.mjs ONTOLOGY.ttl DATA.jsonld [DATA.jsonld ...]')
    return 2
  }
  const [ontologyPath, ...dataPaths] = args
  const ontology = await readGraph(ontologyPath)
  const shapes = rdf.dataset()
  for (const quad of ontology) {
    if (quad.predicate.value !== OWL_IMPORTS) shapes.add(quad)
  }
  const data = rdf.dataset()
  for (const path of dataPaths) {
    for (const quad of await readGraph(path)) data.add(quad)
  }
  for (const quad of ontology) {
    if (quad.predicate.value === RDFS_SUBCLASS_OF) data.add(quad)
  }

  const validator = new Validator(shapes, { factory: rdf, targetResolvers, validations })
  const report = await validator.validate({ dataset: data })
  const counts = {}
  for (const result of report.results) {
    const severity = result.severity ? lastPart(result.severity.value) : 'Unknown'
    counts[severity] = (counts[severity] || 0) + 1
    const focus = result.focusNode ? result.focusNode.value.replace(KB_PREFIX, 'kb:') : ''
    const message = (result.message || []).map(m => m.value).join('; ')
    console.log([severity, focus, describePath(result.path), message].join(' | '))
  }
  console.log('conforms:', report.conforms, JSON.stringify(counts))
  return report.conforms ? 0 : 1
}

// shacl-engine can leave its promise unsettled on some graphs; node then exits 0 with no output.
// A validation that never finished is a failure, never a silent pass.
let finished = false
process.on('exit', () => {
  if (!finished) {
    console.error('validate_case.mjs: the validation never finished (the SHACL engine stopped ' +
      'without a result)')
    process.exitCode = 2
  }
})

main(process.argv.slice(2)).then(
  code => { finished = true; process.exitCode = code },
  err => {
    finished = true
    console.error('validate_case.mjs:', err && err.stack ? err.stack : err)
    process.exitCode = 2
  })
