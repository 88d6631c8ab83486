/** A simulation that cannot go on, for a reason its user can fix: printed without a stack trace. */
export class FleetError extends Error {
  override readonly name = 'FleetError';
}
