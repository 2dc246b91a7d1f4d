// A POST form, never a link: a GET that ends sessions can be triggered by any image tag.
export function LogoutButton() {
  return (
    <form action="/logout" method="post">
      <button type="submit" className="button-quiet">
        Log out
      </button>
    </form>
  );
}
