/** A UTC timestamp people can read, with the exact instant in the datetime attribute. */
export function Time({ value }: { value: Date }) {
  return (
    <time dateTime={value.toISOString()}>
      {value.toISOString().replace('T', ' ').slice(0, 19)} UTC
    </time>
  );
}
