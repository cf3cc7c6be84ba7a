# mamoru's messages in English. Ids are stable; `{ $name }` are arguments.
# The Japanese catalogue (ja.ftl) has exactly the same ids (a test checks it).

## Text that is the same in every language (ids, numbers, file paths).
plain = { $text }

## Reports of diagnostics.
report-in-file = in { $file }
report-hint = hint: { $hint }
report-summary = { $errors ->
    [one] 1 error
   *[other] { $errors } errors
}, { $warnings ->
    [one] 1 warning
   *[other] { $warnings } warnings
}

## Kinds of items, as messages name them.
what-conduct-level = conduct level
what-demand-level = demand level
what-verdict = verdict
what-conduct-type = conduct type
what-demand-type = demand type
what-event = event
what-channel = channel
what-tag = tag
what-role = role
what-script = script
what-flow = flow
what-definition = definition
what-case = case
what-vendor = vendor
what-aftercare = aftercare item
what-invariant = invariant
what-step = step
what-threshold = threshold

## Names and references.
did-you-mean = did you mean `{ $name }`?
duplicate-id = { $what } id `{ $id }` is used twice
duplicate-id-hint = each { $what } needs its own id; rename one of them
first-used-here = first used here
unknown-reference = unknown { $what } `{ $id }`
undeclared-reference = undeclared { $what } `{ $id }`
undeclared-hint = { $hint } (declare it in vocabulary.yaml)
none-declared = no { $what } is declared
known-ids = known { $what }s: { $ids }
many-known-ids = declare it, or use one of the { $count } known ids

## Reading files (stage load).
rename-to = rename it to `{ $name }`
policy-folder-holds = a policy folder holds { $files }, and the folders definitions/, flows/, cases/, pages/
dir-holds-files = { $dir }/ holds `.{ $ext }` files, one per item
dir-one-level = { $dir }/ is read one level deep; move the file up into { $dir }/
folder-not-policy = folder `{ $name }/` is not part of a policy and is not read
folder-not-read = folder `{ $path }/` is not read
cannot-read-folder = cannot read folder `{ $path }`: { $error }
cannot-read = cannot read `{ $path }`: { $error }
broken-link = `{ $path }` is a link to nothing
broken-link-hint = remove the link, or make it point to a file of the policy
link-outside = `{ $path }` is a link to `{ $target }`, outside the policy folder; it is not read
link-outside-hint = copy the file into the policy folder, or pass --follow-links if it must be read from there
link-loop = `{ $path }` is a link back into a folder already read
link-loop-hint = remove the link: a folder that contains itself would be read forever
file-too-large = `{ $path }` is { $bytes } bytes; policy files may be at most { $max } MiB
file-too-large-hint = split the content into several files
folder-too-large = the policy folder holds more than { $files } files or { $max } MiB; reading stopped at `{ $path }`
folder-too-large-hint = keep only the policy's sources, templates and assets in the folder
unknown-file = `{ $path }` is not a policy file mamoru knows
invalid-utf8 = `{ $path }` is not valid UTF-8 (byte { $byte })
invalid-utf8-hint = save the file as UTF-8 (Shift_JIS and other encodings are not read)
empty-file = `{ $path }` is empty
empty-file-hint = write its content, or delete the file
front-matter-missing = expected YAML front matter: the file must start with a `---` line
front-matter-missing-hint = start the file with `---`, the front matter keys, then `---` and the Markdown
front-matter-unclosed = the front matter is never closed
front-matter-unclosed-hint = end the front matter with a line holding only `---`

## YAML.
yaml-key-not-plain = a mapping key must be a plain value, not a list or mapping
yaml-budget = the document expands to more than { $nodes } nodes or { $mib } MiB of text (aliases included)
yaml-budget-hint = this looks like an alias bomb; write the values out or use fewer aliases
yaml-second-document = a second YAML document starts here; a policy file holds one
yaml-second-document-hint = remove the `---` line or split the file
yaml-unknown-alias = this alias names no anchor defined before it
yaml-too-deep = nesting deeper than { $max } levels
yaml-duplicate-key = duplicate key `{ $key }` in this mapping
yaml-duplicate-key-hint = `{ $key }` is already set on line { $line }; keep one of the two
yaml-keep-one = keep one of the two
yaml-tag = YAML tag `{ $tag }` is not supported here
yaml-tag-hint = remove the tag; write the value plainly or quote it
yaml-empty = this document holds no YAML content
yaml-empty-hint = write the keys this file needs (see `mamoru schema`)
yaml-syntax = YAML syntax error: { $detail }
yaml-syntax-tab = YAML syntax error: a tab where YAML expects spaces
yaml-syntax-tab-hint = YAML indents with spaces, never tabs
yaml-syntax-mapping-values = YAML syntax error: a `: ` inside a value that is not quoted, or a key indented wrongly
yaml-syntax-mapping-values-hint = a value holding `: ` must be quoted, e.g. `title: "A: B"`; otherwise check the indentation
yaml-syntax-no-colon = YAML syntax error: a line that is neither `key: value` nor a list item
yaml-syntax-no-colon-hint = write `key: value` with a space after the colon, or check the indentation of the lines above
yaml-syntax-indent = YAML syntax error: { $detail }
yaml-syntax-indent-hint = check the indentation of this line against the lines above

## Validating documents against the schema (stage validate).
missing-file = the policy has no `{ $path }`
missing-file-hint = create `{ $path }`; `mamoru init DIR` writes a complete example to start from
id-mismatch = id `{ $id }` differs from the file name `{ $path }`
id-mismatch-hint = an item's id is its file name: rename the file or set `id: { $stem }`
cannot-deserialize = cannot read this document: { $detail }
found-null = nothing
found-bool = true or false
found-integer = a number
found-decimal = a decimal number
found-string = `{ $value }`
found-list = a list
found-mapping = a mapping
expect-id = an id (lowercase letters, digits and hyphens, e.g. `sv-consult`)
expect-ids = an id or a list of ids
expect-date = a date as YYYY-MM-DD
expect-version = a version such as 1.2.0 (quoted if YAML would read it as a number)
expect-duration = a duration such as 90s, 3m, 1h, 2d, or the name of a threshold
expect-threshold-value = a duration such as 60m, or a whole number
expect-minutes = a number of minutes, a duration such as 60m, or the name of a duration threshold
expect-count = a whole number, or the name of a threshold
expect-colour = a colour as #rrggbb
expect-string = text
expect-integer = a whole number
expect-number = a number
expect-boolean = true or false
expect-list = a list
expect-mapping = a mapping (`key: value` lines)
expect-value = another value
expect-either = { $a } or { $b }
field = `{ $name }`
field-this = this value
unknown-key = unknown key `{ $key }`
keys-allowed = the keys allowed here are { $keys }
missing-key = missing key `{ $key }`
missing-key-hint = add `{ $key }:` to this mapping: { $expected }
wrong-type = { $field } must be { $expected }, found { $found }
wrong-value = { $field } must be { $expected }, found { $found }
must-be-one-of = { $field } must be one of { $options }, found { $found }
hint-quote-number = quote the value so YAML reads it as text, e.g. "1.0"
hint-empty-value = the value is empty: write it after the colon
hint-write-list = write a list, e.g. `[a, b]`
hint-slug = ids are slugs, e.g. `{ $slug }`
min-items = { $field } needs at least { $min } item(s)
minimum = { $field } must be at least { $min }
schema-other = { $field }: { $detail }

## Slips of Japanese input methods.
slip-digits = full-width digits `{ $typed }` where a number is expected
slip-write-instead = write `{ $write }` (half-width) instead
slip-duration = `{ $typed }` is not a duration mamoru reads: durations are written with a half-width number and s, m, h or d
slip-duration-hint = write `{ $write }` instead
slip-date = `{ $typed }` is not a date as YYYY-MM-DD

## Commands.
io-read = read
io-write = write
io-create = create
cannot-io = cannot { $action } `{ $path }`: { $error }
output-closed = the output was closed
not-a-folder = `{ $path }` is not a folder
no-such-folder = `{ $path }` is not a folder (it does not exist)
unknown-kind = unknown kind `{ $kind }`; kinds: { $kinds }
folder-not-empty = `{ $path }` is not empty; choose a new or empty folder
cannot-render = cannot render the manual: { $detail }
feature-missing = this mamoru was built without the Cargo feature `{ $feature }`: install mamoru with its default features
build-without-site = this mamoru was built without the manual (Cargo feature `site`): add --bundle-only to write only the rule bundle, or install mamoru with its default features
upstream-has-errors = the upstream `{ $path }` has { $errors } error(s); run `mamoru check { $path }` first
bad-upstream-version = the upstream's version is not a semantic version: { $detail }
cannot-compile = `{ $path }` cannot be compiled: run `mamoru check { $path }`
io-remove = remove
io-replace = replace
out-inside-policy = --out `{ $out }` is inside the policy folder `{ $policy }` where the policy reads its sources; choose another folder (e.g. `public`)
out-contains-policy = --out `{ $out }` is the policy folder `{ $policy }` or contains it; choose another folder (e.g. `public`)
out-not-ours = --out `{ $out }` is not empty ({ $entries } entries) and was not written by mamoru (it has no `{ $marker }` file); choose a new or empty folder, or pass --force to replace it and everything in it
out-precious = --out `{ $out }` is { $why }; mamoru never replaces it, even with --force
precious-root = the root of the file system
precious-home = the home folder or contains it
precious-cwd = the current folder or contains it
out-not-folder = --out `{ $out }` exists and is not a folder (a file or a link); choose another path
out-bad-path = refusing to write `{ $path }`: it leaves the output folder
cli-error = error: { $error }
check-summary = { $root }: { $summary }
check-summary-policy = { $root }: { $summary } ({ $id } { $version }: { $cases } cases, { $flows } flows)
build-nothing-written = nothing written: fix the errors above first
build-wrote = wrote { $count } files to { $path }
test-blocked = the policy has errors besides its cases: fix them first (`mamoru check`)
test-coverage-low = coverage { $coverage }% is below --min-coverage { $min }%
classify-summary = read { $read } = classified { $classified } + rejected { $rejected }
fork-wrote = wrote { $path } (extends { $upstream })
init-wrote = wrote the example policy ({ $count } files) to { $path }
next-check = next: mamoru check { $path }

## Thresholds.
threshold-hint = write a value (e.g. `{ $example }`) or declare `{ $name }` under `thresholds:` in policy.yaml
the-count = the count { $count }
the-duration = the duration { $duration }
quantity-kind = `{ $name }` is { $got }, but { $want } is needed here
threshold-declared-here = threshold declared here
bad-threshold-name = threshold name `{ $name }` is not valid
bad-threshold-name-hint = threshold names use lowercase letters, digits, `_` and `-`, starting with a letter
duration-too-large = duration `{ $value }` is too large
duration-too-large-hint = use a smaller value
unknown-placeholder = unknown threshold `{"{{"}{ $name }{"}}"}` in text
placeholder-hint = `{"{{"}name{"}}"}` shows a threshold of policy.yaml; known: { $names }

## Signed folders (mamoru keygen / sign / verify, --verify-with).
sign-io = `{ $path }`: { $error }
sign-key-exists = `{ $path }` exists already; keygen never overwrites a key: choose another NAME or move the old key away
sign-bad-private-key = `{ $path }` is not a private key mamoru can read: expected `-----BEGIN PRIVATE KEY-----` (PKCS#8) with an Ed25519 or P-256 key, as `mamoru keygen` writes
sign-bad-public-key = `{ $path }` is not a public key mamoru can read: expected `-----BEGIN PUBLIC KEY-----` with an Ed25519 or P-256 key, as `mamoru keygen` writes
sign-no-randomness = the operating system gave no random numbers for a key: { $error }
sign-wrong-key-kind = `{ $path }` is an { $have } key, but this needs an { $want } key (`mamoru keygen NAME`)
sign-wrong-key-kind-opa = `{ $path }` is an { $have } key, but this needs an { $want } key (`mamoru keygen NAME --opa`: OPA does not accept Ed25519)
sign-private-given = `{ $path }` is a private key; verification takes the public key (NAME.pub)
sign-public-given = `{ $path }` is a public key; signing takes the private key (NAME.key)
sign-not-a-folder = `{ $path }` is not a folder
sign-unsignable = cannot sign `{ $path }`: { $why }; a signed folder holds only regular files with portable names
sign-why-symlink = it is a symbolic link (never followed)
sign-why-special = it is not a regular file
sign-why-not-utf8 = its name is not UTF-8
sign-why-unportable = its name has control characters or backslashes
sign-add-changed = the files in `{ $path }` changed since they were signed: sign again with every key (`mamoru sign { $path } --key A.key --key B.key`)
sign-add-unsigned = --add needs a signed folder: { $why }
keygen-wrote = wrote { $private } (private: keep it secret) and { $public } (public: give it to verifiers); key id { $kid }
sign-wrote = signed { $count } files in { $path } ({ $file }); key id { $kids }
verify-ok = verified: { $count } files in { $path } as signed by key id { $kid }
verify-failed = { $path }: NOT as signed
verify-unsigned = not signed: `{ $path }` has no { $file } (sign it with `mamoru sign { $path } --key NAME.key`)
verify-malformed = malformed { $file }: { $why }
verify-why-not-file = it is not a regular file
verify-why-read = it cannot be read: { $error }
verify-why-json = not JSON as expected: { $error }
verify-why-format = format `{ $format }` (this mamoru reads `{ $want }`)
verify-why-unsafe-path = path `{ $path }` is absolute, escapes the folder, or is not portable
verify-why-hash = `{ $path }` has no valid sha256
verify-why-unsorted = paths not sorted or repeated at `{ $path }`
verify-why-no-signature = it holds no signature
verify-wrong-key = wrong key: signed by key id { $signed }, but the key given is { $given }
verify-bad-signature = the signature by key id `{ $kid }` does not verify: { $file } was altered after signing, or another key claims the same id
verify-changed = changed: `{ $path }` differs from the signed file
verify-added = added: `{ $path }` is not among the signed files
verify-removed = removed: `{ $path }` is signed but missing
verify-refused = refused: `{ $path }`: { $why }
classify-refused = { $path }: refused: { $problem }
upstream-unverifiable = upstream `{ $path }` cannot be verified: { $error }
upstream-not-as-signed = upstream `{ $path }` is not as its publisher signed it ({ $count ->
    [one] 1 problem
   *[other] { $count } problems
})
upstream-not-as-signed-hint = get the upstream again from its publisher, or check it with `mamoru verify { $path } --key KEY`; without --verify-with it is read unverified

## The Open Policy Agent bundle (mamoru build --opa).
build-wrote-opa = wrote the OPA bundle { $path }
opa-unbounded = cannot export flow `{ $flow }` to Rego: routes through step `{ $step }` loop without a `repeat` limit, so they never end
opa-too-long = cannot export flow `{ $flow }` to Rego: its routes loop through several `repeat` steps and could need { $steps } walking steps (the limit is { $limit }); lower the `repeat` values of the steps in that loop, or make each repeat step loop onto itself (such a loop costs one walking step whatever its `repeat`)
opa-key-kind = --opa-key needs an ECDSA P-256 key (`mamoru keygen NAME --opa`): OPA verifies bundle signatures with ES256 but not with Ed25519
opa-archive = cannot write the OPA bundle: { $error }
opa-route-too-long = cannot export flow `{ $flow }` to Rego: its routes may be { $steps } steps long (the limit is { $limit }), because of large `repeat` values; lower them
slip-space = a full-width space `　` in the indentation: YAML does not read it as indentation
slip-space-hint = indent with half-width spaces (switch the input method to half-width, or replace `　` with two spaces)
slip-colon = a full-width colon `：` after `{ $key }`: YAML needs a half-width `:`
slip-colon-hint = write `{ $key }: ` with a half-width colon and a space
slip-no-space = no space after the colon in `{ $typed }`: YAML reads it as one piece of text
slip-no-space-hint = write `{ $write }`, with a half-width space after the colon
slip-symbol = a full-width `{ $typed }` where YAML needs a half-width `{ $write }`
slip-list-hint = lists are written `[a, b]` or one `- item` per line, with half-width symbols
not-a-calendar-date = `{ $value }` is not a calendar date
not-a-calendar-date-hint = write a real date as YYYY-MM-DD
otherwise-never-taken = the `otherwise` branch of step `{ $step }` (to `{ $to }`) is never taken: the branches above catch every contact that reaches the step
otherwise-never-taken-hint = remove the `otherwise` branch, or narrow the branches above if some contacts should reach it
link-absolute = link `{ $dest }` starts with `/`: it breaks when the manual is served under a sub-path
link-no-asset = link `{ $dest }` leads to no file of the policy's `site/` folder
image-not-asset = image `{ $dest }` is not under `assets/`: put the file into the policy's `site/` folder and write `assets/NAME`
link-no-page = link `{ $dest }` leads to no page of the manual
link-no-anchor = link `{ $dest }` leads to no section of that page
link-hint = write links from the manual's root: `criteria.html`, `flows/ID.html#step-ID`, `cases/ID.html`, `pages/ID.html`, `assets/FILE`
page-name = the file name of `{ $path }` becomes the page's URL, so it must be an id (lowercase letters, digits and hyphens)
what-party = party
what-counter = counter
what-cap = cap

## Forks (stage resolve).
part-definitions = definitions
part-roles = roles
part-scripts = scripts
part-flows = flows
part-aftercare = aftercare
part-invariants = invariants
part-cases = cases
part-pages = pages
part-criteria = criteria
part-stance = stance
part-vocabulary = vocabulary
part-thresholds = thresholds
part-other = items
what-item = { $kind } `{ $id }`
what-adds = { $kind } (adds `{ $id }`)
what-removes = { $kind } (removes `{ $id }`)
what-removal = the removal of { $kind } `{ $id }`
what-part = the { $kind }
vendor-may-not = a vendor fork may not change { $what }
vendor-may-not-hint = vendor forks may only set display names and contact points (title, slogan, owners, vendors, role labels, pages)
locked = `{ $part }` is locked by upstream `{ $upstream }`: a fork may not change { $what }
locked-hint = remove this change, or ask the owners of `{ $upstream }` to unlock `{ $part }`
missing-record = { $what } replaces the upstream's without an override record
missing-record-hint = add `override: {"{"}why: …, owner: …, review_by: YYYY-MM-DD{ $digest }{"}"}`
override-drift = the upstream's { $what } changed since this override was reviewed
override-drift-hint = review the upstream change, then set `upstream_digest: "{ $digest }"`
review-due = the deviation for { $what } was due for review on { $date }
review-due-hint = review it and set a new `review_by`, or drop the deviation
remove-unknown = `remove` names { $kind } `{ $id }`, which upstream `{ $upstream }` does not have
record-without-upstream = { $kind } `{ $id }` has an override record but replaces no upstream item
record-without-upstream-hint = upstream `{ $upstream }` has no { $kind } `{ $id }`: remove the record, or fix the id
vendor-role-org = a vendor fork may rename a role, not change its organisation
vendor-add-role = a vendor fork may not add role `{ $id }`
bound-exceeded = step `{ $step }` allows a { $key } of { $value }, above the { $max } upstream `{ $upstream }` allows its forks
bound-exceeded-hint = use at most { $max } (bounds are inclusive)

## Contacts described (the checker's classes of contacts).
describe = { $parts }
d-any = any contact
d-channel = channel `{ $id }`
d-verdict = verdict `{ $id }` (cell { $cell })
d-tags = tags { $ids }
d-no-tags = without tags { $ids }
d-conduct-types = conduct types { $ids }
d-demand-types = demand types { $ids }
d-events = events { $ids }
d-no-events = without events { $ids }
d-minutes = { $minutes }+ minutes
d-repeats = { $repeats }+ repeats
d-party = party `{ $id }`
d-no-party = no party recorded
d-channel-other = a channel other than { $ids }
d-party-other = a party other than { $ids }, or none recorded
d-targeted = targeting a staff member
d-not-targeted = not targeting a staff member
d-count = { $id } { $count }+

## Flows (stage compile).
step-unreachable = step `{ $step }` of flow `{ $flow }` is not reachable from `{ $start }`
step-unreachable-hint = add a branch that leads here, or remove the step
flow-loops = flow `{ $flow }` can loop forever: { $route }
flow-loops-hint = a branch back to an earlier step must go into or out of a step with `repeat: N`, which bounds the loop
key-hold = hold (保留)
key-limit = time limit
step-exceeds-invariant = step `{ $step }` of flow `{ $flow }` allows a { $what } of { $value }, above the { $max } of invariant `{ $invariant }`
use-at-most = use at most { $max }
invariant-declared-here = invariant declared here
flows-overlap = flows `{ $a }` and `{ $b }` both admit some contacts, e.g. { $contacts }
flows-overlap-hint = a contact must follow exactly one flow: narrow one `applies_to` (e.g. with `not:`)
flow-admits-here = `{ $flow }` admits them here
flow-gap = no flow admits { $channel } contacts with verdict `{ $verdict }` (e.g. { $contacts })
flow-gap-hint = widen a flow's `applies_to`, or add a flow for them
analysis-flow-choice = flow choice
analysis-flow = flow `{ $flow }`
analysis-invariant = invariant `{ $invariant }` on flow `{ $flow }`
analysis-limit = the analysis of { $what } stopped after { $max } classes of contacts; some errors may be missed
analysis-limit-hint = conditions that test many tags, types or events at once multiply the cases to check
no-branch-holds = no branch of step `{ $step }` holds for some contacts of flow `{ $flow }`: { $contacts }
no-branch-holds-hint = add `- otherwise: STEP` as the last branch, or cover these contacts
note-route = route: { $route }
route-unending = a route of flow `{ $flow }` never reaches an `end` step ({ $contacts })
note-route-starts = route starts: { $route }
why-step-not-reached = no contact of this flow reaches step `{ $step }` with these facts
why-shadowed = every contact it matches is caught first by an earlier branch ({ $earlier }) or never reaches step `{ $step }` with these facts
why-never-holds = its condition never holds for a contact of this flow
branch-never-taken = branch #{ $n } of step `{ $step }` (to `{ $to }`) is never taken: { $why }
branch-never-taken-hint = reorder the branches, narrow the earlier ones, or remove this one
invariant-violated = flow `{ $flow }` violates invariant `{ $invariant }`: the route { $route } never reaches role { $roles }
invariant-violated-hint = route such contacts through a step whose role is { $roles }
note-for-contacts = for contacts with { $contacts }
note-invariant = invariant: { $text }
how-branch = branch #{ $n } to `{ $to }`
how-otherwise = otherwise to `{ $to }`
how-ends = ends
how-ends-with = ends: { $end }
note-route-step = {"  "}{ $n }. { $step } (role { $role }): { $how }

## Cases as tests.
axis-conduct = conduct
axis-demand = demand
why = { $parts }
why-raised = type `{ $ty }`{ $implied ->
    [yes] {" "}(implied by the facts)
   *[no] {""}
} raised { $axis } from { $from } to { $to }
why-cell = cell { $cell } gives `{ $verdict }`
why-override = type `{ $ty }` overrides the verdict to `{ $verdict }`
why-capped = cap `{ $cap }` lets type `{ $ty }` raise { $axis } only to { $to } instead of { $from }
fail-verdict = verdict: expected `{ $expected }`, got `{ $got }`
fail-no-flow = flow: no flow admits this contact
fail-several-flows = flow: admitted by several flows: { $flows }
fail-flow = flow: expected `{ $expected }`, got `{ $got }`
fail-route = route: expected { $expected }, got { $got }{ $stuck ->
    [yes] {" "}(stuck: no branch holds)
   *[no] {""}
}
case-verdict = case `{ $case }` expects verdict `{ $expected }`, but the policy gives `{ $got }`
case-verdict-hint = fix the case's facts or expectation, or the grid and types if the policy is wrong
case-no-flow = no flow admits case `{ $case }`
case-no-flow-hint = a flow's `applies_to` must admit this contact
case-several-flows = case `{ $case }` is admitted by several flows: { $flows }
case-flow = case `{ $case }` expects flow `{ $expected }`, but follows `{ $got }`
case-route = case `{ $case }` takes another route in flow `{ $flow }`
note-expected-route = expected: { $route }
note-actual-route = actual:   { $route }
note-route-stuck = the route stops where no branch holds
note-routes-part = the routes part after `{ $step }`, where branch #{ $n } was taken
note-the-contact = the contact: { $why }
cell-uncovered = no case falls in grid cell { $cell } ({ $verdict })
cell-uncovered-hint = add a case study for this cell: it is what trains the judgment
step-uncovered = no case exercises step `{ $step }` of flow `{ $flow }`
step-uncovered-hint = add a case whose route passes this step

## The grid, types and caps.
grid-row-unknown = grid row `{ $row }` is not a conduct level
grid-rows-are = grid rows are the conduct levels: { $levels }
grid-row-length = grid row `{ $row }` has { $verdicts } verdicts, but the demand axis has { $levels } levels
grid-row-length-hint = give one verdict per demand level, in order: { $levels }
grid-row-missing = the grid has no row for conduct level `{ $level }`
grid-row-missing-hint = add `{ $level }: [...]` with one verdict per demand level
independent-row = conduct type `{ $ty }` is unacceptable whatever the demand, but grid row `{ $row }` gives { $verdicts }
independent-row-hint = raise its `min_level` to a row with one verdict, or make that row uniform
the-row = the row
cap-condition = the `when` of cap `{ $cap }` tests `{ $key }`, which the cap itself changes or which happens later
cap-condition-hint = a cap's `when` may test plain facts (channel, tags, party, targeted, minutes, repeats, counts) and types
cap-forbidden = cap `{ $cap }` limits type `{ $ty }`, which { $why }: protection never excuses it
cap-why-independent = is unacceptable whatever the demand (`independent_of_demand`)
cap-why-verdict = overrides the verdict
cap-forbidden-hint = remove the type from the cap; protect the customer in the flow instead (e.g. more time, a written answer)
cap-no-types = cap `{ $cap }` names no types, so it changes nothing
cap-no-types-hint = list the types whose raise it limits under `conduct_types` or `demand_types`
cap-max-without-types = cap `{ $cap }` gives `{ $key }` but no `{ $types }`, so that maximum changes nothing
cap-max-without-types-hint = add `{ $types }`, or remove `{ $key }`
cap-type-unaffected = cap `{ $cap }` cannot lower type `{ $ty }`: it raises only to { $min }, and the cap allows { $limit }
cap-type-unaffected-hint = lower the cap's maximum below the type's `min_level`, or remove the type from the cap

## Invariants and flow structure.
invariant-no-rule = invariant `{ $id }` states no rule
invariant-no-rule-hint = give `reach_role`, `max_hold` or `max_limit`
applies-to-events = `applies_to` cannot test events: they happen during the contact, after the flow was chosen
applies-to-events-hint = branch on the event inside the flow instead
step-end-and-next = step `{ $step }` has both `end` and `next`
step-end-and-next-hint = an `end` step is terminal: remove `next`, or remove `end`
step-no-next = step `{ $step }` has no `next` and no `end`: routes stop here without an outcome
step-no-next-hint = add `next:` branches, or `end: <outcome>` to make it terminal
repeat-zero = `repeat` must be at least 1

## Lints.
pii-phone = a phone number
pii-email = an e-mail address
pii-postal = a postal code
pii-name = a person's full name
personal-data = this looks like { $what } (`{ $text }`): case studies and scripts must not hold personal data
personal-data-hint = replace it with a placeholder such as 顧客A, 0X0-XXXX-XXXX or ○○
term-variant = `{ $written }` looks like the defined term `{ $term }` but is spelled differently, so the manual will not link it
term-variant-hint = write `{ $term }`, or add `{ $written }` to the aliases of definition `{ $def }`
term-unused = the defined term `{ $term }` is used nowhere else in the manual
term-unused-hint = use the term where it applies, add the spelling used instead as an alias, or remove the definition
vague-wording = vague wording `{ $word }` in an obligation, with no threshold or number
vague-wording-hint = say how or by when, e.g. `{"{{"}hold{"}}"}以内に` or a concrete action

## Upstreams of a fork.
extends-depth = more than { $max } upstreams in a row
extends-depth-hint = extend the upstream's own upstream directly, or merge intermediate forks
extends-missing = no policy at `{ $path }` (resolved to `{ $resolved }`)
extends-missing-hint = `extends.path` is the upstream's folder, relative to this policy.yaml
extends-cycle = `{ $path }` extends itself through its upstreams
extends-cycle-hint = a policy cannot be its own upstream: break the cycle
upstream-errors = upstream `{ $path }` has { $errors } error(s)
upstream-errors-hint = run `mamoru check { $path }` and fix the upstream first
note-code-message = { $code }: { $message }
bad-version-requirement = `{ $requirement }` is not a version requirement: { $detail }
bad-version-requirement-hint = write e.g. `^1.2` (any 1.x from 1.2), `~1.2` (1.2.x) or `=1.2.0`
extends-version = upstream `{ $upstream }` is version { $version }, which `{ $requirement }` does not accept
extends-version-hint = review the upstream's changes (`mamoru diff`), then update `extends.version`
upstream-drift = upstream `{ $upstream }` changed since this fork was reviewed (reviewed { $reviewed }, now { $now })
upstream-drift-note = overridden items whose upstream changed are listed as separate warnings
upstream-not-reviewed = this fork does not record the upstream it was reviewed against
reviewed-hint = review the changes (`mamoru diff`), then set `reviewed: {"{"}version: "{ $version }", digest: "{ $digest }"{"}"}` under `extends`

## Bundles and classify.
bundle-unknown-ref = the bundle refers to an unknown { $what } `{ $id }`
bundle-no-step = flow `{ $flow }` of the bundle has no step `{ $step }`
not-a-bundle = not a mamoru bundle: { $detail }
bundle-format = bundle format `{ $format }` is not supported (this mamoru reads `{ $reads }`)
with-hint = { $message } ({ $hint })
json-line = not a JSON object of a contact: { $detail }
line-reason = line { $line }: { $reason }

## The semantic difference of two bundles (mamoru diff).
diff-title = mamoru diff: { $change }
diff-digest = digest { $old } → { $new }
diff-section = { $section ->
    [cells] Grid cells
    [thresholds] Thresholds
    [flows] Flows
    [cases] Cases
    [items] Items
   *[manifests] Manifests
}
diff-column = { $column ->
    [cell] Cell
    [old] Old
    [new] New
    [severity] Severity
    [threshold] Threshold
    [case] Case
    [change] Change
    [where] Where
    [kind] Kind
    [added] Added
    [removed] Removed
   *[changed] Changed
}
diff-kind = { $kind ->
    [verdicts] verdicts
    [axes] axes
    [conduct_levels] conduct levels
    [demand_levels] demand levels
    [conduct_types] conduct types
    [demand_types] demand types
    [events] events
    [channels] channels
    [tags] tags
    [parties] parties
    [counters] counters
    [caps] caps
    [roles] roles
    [scripts] scripts
    [flows] flows
    [invariants] invariants
    [aftercare] aftercare
    [definitions] definitions
    [cases] cases
    [vendors] vendors
    [timezone] timezone
    [review] review
    [provenance] provenance
   *[other] { $label }
}
diff-manifest-field = { $field ->
    [policy] policy
    [version] version
    [revision] revision
   *[digest] digest
}
diff-no-change = no semantic change
diff-no-rule-change = no change to the rules
diff-and-more = { $list }, … and { $count } more
diff-cells-more = { $count ->
    [one] 1 cell now counts as { $verdict }: { $cells } (was { $old })
   *[other] { $count } cells now count as { $verdict }: { $cells } (were { $old })
}
diff-cells-more-mixed = { $count ->
    [one] 1 cell now counts as { $verdict }: { $cells }
   *[other] { $count } cells now count as { $verdict }: { $cells }
}
diff-cell-was = { $cell } (was { $old })
diff-cells-less = { $count ->
    [one] 1 cell is less severe now: { $cells }
   *[other] { $count } cells are less severe now: { $cells }
}
diff-cells-unknown = { $count ->
    [one] 1 cell changes verdict: { $cells }
   *[other] { $count } cells change verdict: { $cells }
}
diff-cell-moved = { $cell } ({ $old } → { $new })
diff-severity = { $severity ->
    [more] more severe
    [less] less severe
   *[unknown] verdict not in the new policy
}
diff-verdicts-reordered = verdicts reordered: severity is now { $order }
diff-levels-reordered = { $kind } reordered: levels rank differently
diff-cases-changed = { $count ->
    [one] 1 case changes outcome: { $cases }
   *[other] { $count } cases change outcome: { $cases }
}
diff-case = { $id } ({ $what })
diff-case-facts = { $id } ({ $what }, { $facts })
diff-facts = { $side ->
    [old] old facts
   *[new] new facts
}
diff-verdict-moved = { $old } → { $new }
diff-flow-moved = flow { $old } → { $new }
diff-route-changed = route changed
diff-error = error
diff-no-flow = no flow
diff-outcome-error = error: { $error }
diff-outcome-no-flow = { $verdict }, no flow
diff-outcome-flow = { $verdict }, flow { $flow }
diff-outcome-route = { $verdict }, flow { $flow }, route { $route }
diff-threshold-changed = threshold { $name }: { $old } → { $new }
diff-threshold-added = threshold { $name } added: { $new }
diff-threshold-removed = threshold { $name } removed (was { $old })
diff-threshold-touched = threshold { $name } changed
diff-flow-changed = flow { $id } changed: { $parts }
diff-steps = { $count ->
    [one] 1 step
   *[other] { $count } steps
} { $edit ->
    [added] added
    [removed] removed
   *[changed] changed
}
diff-branches = { $count ->
    [one] 1 branch
   *[other] { $count } branches
} { $edit ->
    [added] added
    [removed] removed
   *[changed] changed
}
diff-field-changed = { $field } changed
diff-kind-changed = { $kind }: { $parts }
diff-ids = { $count } { $edit ->
    [added] added
    [removed] removed
   *[changed] changed
} ({ $ids })
diff-policy-changed = policy id { $old } → { $new }
diff-version-changed = version { $old } → { $new }
diff-manifest-changed = manifest { $field } changed
diff-cases-not-compared = cases were not compared: the { $bundle ->
    [old] old
   *[new] new
} bundle cannot classify ({ $error })
diff-edit = { $edit ->
    [added] added
    [removed] removed
   *[changed] changed
}
diff-reordered = reordered
diff-order = order
diff-side = { $side ->
    [old] old
   *[new] new
}
diff-steps-listed = { $edit ->
    [added] steps added
   *[removed] steps removed
}: { $ids }
diff-step-fields = step { $id }: { $fields }
diff-branch-line = branch { $step } #{ $position } { $edit ->
    [added] added
    [removed] removed
   *[changed] changed
}: { $old } ⇒ { $new }
diff-step-edit = { $edit ->
    [added] step added
   *[removed] step removed
}
diff-branch-edit = { $edit ->
    [added] branch added
    [removed] branch removed
   *[changed] branch changed
}
diff-where-flow = flow
diff-where-step = step `{ $id }`
diff-where-branch = step `{ $step }`, branch { $position }
diff-edge-when = when { $condition } → { $to }
diff-edge-otherwise = otherwise → { $to }

## The weekly review (mamoru review).
review-missing-column = the file has no column { $column } (add it, or map the CRM's header onto `{ $name }` in review.yaml)
review-ambiguous-column = the file has two columns for `{ $name }`: keep one
review-empty = { $column } is empty
review-unknown = unknown { $what } in { $column }: neither an id, a label of the policy nor a label mapped in review.yaml
review-not-number = { $column } is not a whole number
review-bad-date = { $column } is not a date (YYYY-MM-DD, or an RFC 3339 date and time)
review-not-an-id = { $column } is not a contact id (ASCII letters, digits and - _ . : / #, at most 64 characters)
review-duplicate-id = duplicate id: the same id was first read at { $file }:{ $line }
review-personal-data = { $column } looks like personal data (a phone number, an e-mail address, a name): the row is left out and the value is not shown
review-not-text = { $column } is not text in the file's encoding (give --encoding if detection chose wrongly)
review-field-count = the row has { $got } fields where the header has { $want }
review-malformed-json = malformed JSON (at character { $column })
review-not-object = not a JSON object
review-repeated-column = { $column } is given twice
review-wrong-type = { $column } holds a JSON value of the wrong kind (text, a number or a list of texts expected)
review-unknown-encoding = --encoding `{ $label }` is not an encoding mamoru knows (try utf-8 or cp932)
review-out-holds-input = --out `{ $out }` holds `{ $input }`, which the review reads: the output folder is replaced as a whole, so choose another one
review-theme-not-folder = --theme `{ $path }` is not a folder
review-cannot-render = cannot render the review: { $detail }
review-history-skipped = history: skipped `{ $path }`: { $why }
review-history-not-review = not a review.json
review-history-format = format `{ $format }` is not mamoru-review/1.x
review-history-policy = it reviews policy `{ $theirs }`, not `{ $ours }`
review-history-undated = it has no dated rows
review-history-twice = history: two reviews of { $week }; the later file, `{ $path }`, is used
review-history-this-undated = history: this review has no dated rows, so it is not placed in the trend
review-note = note: { $text }
review-more-rejected = … and { $more } more rejected rows (all in { $path })
review-summary = read { $read } = reviewed { $reviewed } + rejected { $rejected }
review-wrote = wrote { $files } files to { $out }
review-proposed = wrote { $written } draft case(s) to { $dir }
review-proposed-skipped = wrote { $written } draft case(s) to { $dir } ({ $skipped } existed already and were left as they were)
review-unknown-timezone = `{ $name }` is not a time zone mamoru knows
review-timezone-hint = write an IANA time zone name such as `Asia/Tokyo`
review-header-twice = header `{ $header }` is listed twice for `{ $column }`
review-header-twice-hint = list each header once
review-header-two-columns = header `{ $header }` is mapped to both `{ $first }` and `{ $column }`
review-header-two-columns-hint = a header of the export can hold one column only: keep one mapping
review-other-mapping = the other mapping
review-label-unknown = unknown { $what } `{ $id }` for the label `{ $label }`
review-label-taken = the label `{ $label }` already names { $what } `{ $other }`, so it cannot also mean `{ $id }`
review-label-taken-hint = ids and the policy's own labels are always read as themselves: remove this mapping or map another label
review-bad-timezone = the bundle's time zone `{ $zone }` is not known: { $detail }

## The language server (`mamoru lsp`).
what-page = page
lsp-defined-at = defined in { $place }
lsp-references = { $count ->
    [one] 1 reference
   *[other] { $count } references
}
lsp-in-flow = in flow `{ $flow }`
lsp-steps = steps: { $list }
lsp-undefined = no { $what } `{ $id }` is defined
lsp-inherited = inherited from { $upstream } { $version }
lsp-overridden = changed from { $upstream } { $version }
lsp-added = added in this policy
lsp-cond-verdict = the verdict is any of
lsp-cond-conduct-at-least = the effective conduct level is at least
lsp-cond-demand-at-least = the effective demand level is at least
lsp-cond-conduct-types = has any of these conduct types
lsp-cond-demand-types = has any of these demand types
lsp-cond-tags = carries any of these tags
lsp-cond-channel = came through any of these channels
lsp-cond-event = any of these events happened
lsp-cond-minutes-at-least = lasted at least
lsp-cond-repeats-at-least = the same claim was repeated at least
lsp-cond-not = the inner condition does not hold
lsp-checked = { $root }: { $summary } ({ $ms } ms)
lsp-unreadable = cannot read { $root }: { $error }
lsp-failed = language server: { $error }
lsp-client-gone = language server: the editor closed the connection

## The development server (`mamoru serve`).
serve-overlay-title = { $count ->
    [one] The policy has 1 error
   *[other] The policy has { $count } errors
}
serve-overlay-note = Fix and save: this goes away. Underneath is the last manual that built.
serve-overlay-note-first = Fix and save: the manual appears.
serve-overlay-close = Close
serve-overlay-hint = hint
serve-not-found-title = No such page
serve-not-found-body = { $path } is not part of this manual. It shows here once it exists.
serve-first-title = The manual has not been built yet
serve-first-body = Fix the policy's errors and the manual appears here.
serve-serving = serving the manual of { $dir } at { $url } (Ctrl+C to stop)
serve-watching = watching for changes: { $how }
serve-native = native notifications ({ $fs })
serve-polling = polling every { $ms } ms ({ $why })
serve-poll-flag = --poll
serve-poll-reason = { $fs } may not deliver native notifications
serve-native-failed = native notifications unavailable: { $error }
serve-rebuilt = { $count ->
    [one] updated 1 page in { $ms } ms
   *[other] updated { $count } pages in { $ms } ms
}
serve-rebuilt-whole = { $count ->
    [one] whole site: updated 1 more page in { $ms } ms
   *[other] whole site: updated { $count } more pages in { $ms } ms
}
serve-unchanged = no change to the manual ({ $ms } ms)
serve-has-errors = { $count ->
    [one] 1 error: still serving the last good manual ({ $ms } ms)
   *[other] { $count } errors: still serving the last good manual ({ $ms } ms)
}
serve-cannot-read = cannot read the policy: { $error }
serve-cannot-render = cannot render the manual: { $error }
serve-port-taken = port { $port } is taken; using a free one
serve-cannot-listen = cannot listen on { $addr }: { $error }
compliance-unknown-item = unknown policy item `{ $item }`
compliance-unknown-item-hint = write `stance`, `public-policy`, `criteria`, `compliance`, `KIND/ID` (flows, aftercare, pages, scripts, invariants, roles, cases, definitions, caps, conduct_types, demand_types) or `flows/ID/STEP`
compliance-unimplemented = required measure `{ $measure }` ({ $title }) of `{ $framework }` has no item in the policy
compliance-unimplemented-hint = list under `items` the stance, flows, steps, aftercare items or pages that implement it, or write them
what-framework = framework
what-measure = measure
revised-before-created = the manual is revised on { $revised }, before it was created on { $created }
revised-before-created-hint = `revised` is the date of the latest revision, on or after `created`
