import { useEffect } from "preact/hooks";

/** The browser tab says where the user is: "Customers · Clientele". */
export const useTitle = (title: string) =>
  useEffect(() => void (document.title = `${title} · Clientele`), [title]);
