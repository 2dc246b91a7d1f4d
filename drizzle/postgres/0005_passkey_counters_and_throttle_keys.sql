ALTER TABLE "passkeys" ALTER COLUMN "counter" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "passkey_challenges" ADD COLUMN "throttle_key" text;